// Self-service changes of the second factor confirmed with a code of the active
// authenticator app (the "enter a code to confirm" of My Account), next to the recent
// otp sign-in that could already confirm them: REFRESH and DELETE of /me/totp, POST and
// DELETE of /me/backup-codes, with tokens from My Account's own password-only sign-in.
// Each attack has its test: a wrong, reused or pending-secret code, guesses past the
// lock (concurrent ones too), and a code where nothing is active to prove.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { manualClock, codeAt } from '../helpers/totp.js';
import { failedAttempts } from '../../src/authn/regulation.js';
import { updateTotpParameters } from '../../src/authn/authenticators/totp/parameters.js';
import { MY_ACCOUNT_CLIENT_ID } from '../../src/applications/system-applications.js';

const ME = '/api/users/v1/me/totp';
const BACKUP = '/api/users/v1/me/backup-codes';
const PASSWORD = 'code-proof-Passw0rd';
const ALLOWED_FAILURES = 3;

function proofSuite(dialect: 'sqlite' | 'postgres', concurrent: boolean) {
  let server: TestServer;
  const clock = manualClock();

  before(async () => {
    server = await startServer({
      dialect, clock,
      overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: ALLOWED_FAILURES } } },
    });
  });
  after(() => server.close());

  const me = (method: string, token: string, body?: unknown, path = ME) =>
    api(server, method, path, { auth: `Bearer ${token}`, ...(body !== undefined ? { body } : {}) });

  /** A new user's token from My Account's sign-in (password only, internal_login). */
  async function myAccountToken(userName: string): Promise<{ token: string; userId: string }> {
    const user = await createScimUser(server, { userName, password: PASSWORD });
    const login = await passwordLogin({
      issuer: server.tenant.issuer, clientId: MY_ACCOUNT_CLIENT_ID, redirectUri: `${server.url}/myaccount/callback`,
      username: userName, password: PASSWORD, scope: 'openid profile internal_login',
    });
    assert.ok(login.tokens, `signed in to My Account: ${login.status} ${login.page.slice(0, 300)}`);
    assert.deepEqual(login.tokens.scope?.split(' ').sort(), ['internal_login', 'openid', 'profile']);
    assert.doesNotMatch(String(login.tokens.claims()?.amr), /otp/, 'a password-only sign-in');
    return { token: login.tokens.access_token, userId: user.id };
  }

  /** INIT then VALIDATE: the user's active secret, its step spent; the clock moves on a step. */
  async function enroll(token: string): Promise<string> {
    const init = await me('POST', token, { action: 'INIT' });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(init.body.secret, clock.seconds()) })).body, { isValid: true });
    clock.advance(30);
    return init.body.secret as string;
  }

  const totpFailures = (userId: string) => failedAttempts(server.deps, server.tenant.id, userId, 'totp');

  if (!concurrent) {
    test('REFRESH with a code of the active app works from a password-only token; the code is spent by it', async () => {
      const { token } = await myAccountToken('ruth');
      const first = await enroll(token);
      const code = codeAt(first, clock.seconds());
      const refresh = await me('POST', token, { action: 'REFRESH', verificationCode: code });
      assert.equal(refresh.status, 200, JSON.stringify(refresh.body));
      const second = refresh.body.secret as string;
      assert.notEqual(second, first);
      const again = await me('POST', token, { action: 'REFRESH', verificationCode: code });
      assert.equal(again.status, 403, 'the same code twice');
      assert.equal(again.body.code, 'invalid_verification_code');
      assert.match(again.body.message, /not correct/);
      const state = await me('GET', token);
      assert.equal(state.body.status, 'active');
      assert.equal(state.body.pendingReplacement, true);
      assert.equal(state.body.secret, undefined, 'a password-only token still does not see the replacement');
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(second, clock.seconds()) })).body, { isValid: true });
      assert.equal((await me('GET', token)).body.pendingReplacement, false);
    });

    test('attack: without a code, or with a wrong, earlier or pending-secret code, nothing is changed or removed', async () => {
      const { token, userId } = await myAccountToken('mark');
      const active = await enroll(token);
      for (const [method, body] of [['DELETE', undefined], ['POST', { action: 'REFRESH' }], ['DELETE', {}]] as const) {
        const res = await me(method, token, body);
        assert.equal(res.status, 403, `${method} ${JSON.stringify(body)}`);
        assert.equal(res.body.code, 'insufficient_user_authentication');
        assert.match(res.body.message, /verificationCode/, 'the answer says how to prove it');
      }
      // The step VALIDATE spent, and an earlier one, prove nothing.
      const spent = await me('DELETE', token, { verificationCode: codeAt(active, clock.seconds() - 30) });
      assert.equal(spent.body.code, 'invalid_verification_code');
      assert.equal(await totpFailures(userId), 1, 'a wrong proof counts toward the TOTP lock');
      // A replacement started with a good code: a code of *that* secret is no proof.
      const pending = (await me('POST', token, { action: 'REFRESH', verificationCode: codeAt(active, clock.seconds()) })).body.secret as string;
      clock.advance(30);
      const wrongSecret = await me('DELETE', token, { verificationCode: codeAt(pending, clock.seconds()) });
      assert.equal(wrongSecret.status, 403);
      assert.equal(wrongSecret.body.code, 'invalid_verification_code');
      assert.equal(await totpFailures(userId), 1, 'counted again (the good REFRESH in between cleared the first)');
      const audit = await api(server, 'GET', '/api/server/v1/audit-logs?username=mark&type=login_failed', { auth: server.adminAuth });
      assert.deepEqual(audit.body.events.map((e: { factor: string; details: { via: string } }) => `${e.factor}/${e.details.via}`), ['totp/confirmation', 'totp/confirmation'], 'each wrong proof is in the audit log');
      const state = await me('GET', token);
      assert.equal(state.body.status, 'active', 'nothing removed');
      assert.equal(state.body.pendingReplacement, true, 'nothing finished');

      const backup = await me('POST', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP);
      assert.equal(backup.status, 201);
      clock.advance(30);
      const removed = await me('DELETE', token, { verificationCode: codeAt(active, clock.seconds()) });
      assert.equal(removed.status, 204, JSON.stringify(removed.body));
      const codesLeft = await api(server, 'GET', `/api/server/v1/users/${userId}/backup-codes`, { auth: server.adminAuth });
      assert.equal(codesLeft.body.remainingBackupCodesCount, 0, 'removing the app took the backup codes with it');
      assert.equal(await totpFailures(userId), 0, 'a right code clears the count');
      assert.equal((await me('GET', token)).status, 401, 'removing the active app signed the user out everywhere, this token too');
    });

    test('DELETE …/pending cancels an unfinished setup or new phone, and nothing else, without a code', async () => {
      const { token } = await myAccountToken('pia');
      const firstTry = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      assert.equal((await me('DELETE', token, undefined, `${ME}/pending`)).status, 204);
      assert.equal((await me('GET', token)).body.status, 'none');
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(firstTry, clock.seconds()) })).body.code, 'no_pending_totp');

      const active = await enroll(token);
      const replacement = await me('POST', token, { action: 'REFRESH', verificationCode: codeAt(active, clock.seconds()) });
      assert.equal(replacement.status, 200);
      clock.advance(30);
      assert.equal((await me('DELETE', token, undefined, `${ME}/pending`)).status, 204);
      const state = await me('GET', token);
      assert.equal(state.body.status, 'active', 'the active app stays');
      assert.equal(state.body.pendingReplacement, false, 'the new phone\'s secret is gone');
      assert.equal((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(replacement.body.secret, clock.seconds()) })).body.code, 'no_pending_totp');
      assert.equal((await me('POST', token, { action: 'REFRESH', verificationCode: codeAt(active, clock.seconds()) })).status, 200, 'the old app still proves');
      assert.equal((await me('DELETE', token, undefined, `${ME}/pending`)).status, 204, 'and again: nothing left is still 204');
      assert.equal((await me('DELETE', token, undefined, `${ME}/pending`)).status, 204);
      assert.equal((await me('GET', token)).body.status, 'active');
    });

    test('wrong codes lock the TOTP factor; while it holds even the right code is refused', async () => {
      const { token, userId } = await myAccountToken('lisa');
      const active = await enroll(token);
      for (let i = 0; i < ALLOWED_FAILURES; i++) {
        const res = await me('POST', token, { action: 'REFRESH', verificationCode: codeAt(active, clock.seconds() + 300) });
        assert.equal(res.body.code, 'invalid_verification_code', `attempt ${i + 1}`);
      }
      const locked = await me('DELETE', token, { verificationCode: codeAt(active, clock.seconds()) });
      assert.equal(locked.status, 403);
      assert.equal(locked.body.code, 'totp_locked');
      assert.match(locked.body.message, /until \d{4}-\d\d-\d\dT/);
      assert.equal((await me('GET', token)).body.status, 'active', 'the right code during the lock removed nothing');
      assert.equal((await me('GET', token)).body.locked, true);
      assert.equal(await totpFailures(userId), ALLOWED_FAILURES, 'a code sent while locked is refused unjudged and not counted again');
    });

    test('backup codes: a code of the active app confirms a new set and a delete; without an active app there is nothing to prove', async () => {
      const { token } = await myAccountToken('bert');
      const none = await me('POST', token, { verificationCode: '123456' }, BACKUP);
      assert.equal(none.status, 403, 'no authenticator app: a code proves nothing');
      assert.equal(none.body.code, 'insufficient_user_authentication');
      const active = await enroll(token);
      assert.equal((await me('POST', token, undefined, BACKUP)).body.code, 'insufficient_user_authentication');
      const created = await me('POST', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.backupCodes.length, (await me('GET', token, undefined, BACKUP)).body.remainingBackupCodesCount);
      const replay = await me('DELETE', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP);
      assert.equal(replay.body.code, 'invalid_verification_code', 'the code that made the set cannot also delete it');
      clock.advance(30);
      assert.equal((await me('DELETE', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP)).status, 204);
      assert.equal((await me('GET', token, undefined, BACKUP)).body.remainingBackupCodesCount, 0);
    });

    test('attack: while wrong codes are not counted toward a lock, a code is no proof at all (it could be guessed without limit)', async () => {
      const { token, userId } = await myAccountToken('olga');
      const active = await enroll(token);
      await updateTotpParameters(server.deps, server.tenant.id, { EnableAccountLockingForFailedAttempts: false });
      try {
        const refused = await me('POST', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP);
        assert.equal(refused.status, 403, 'even the right code');
        assert.equal(refused.body.code, 'insufficient_user_authentication');
        assert.match(refused.body.message, /not counted/);
        const wrong = await Promise.all(Array.from({ length: 10 }, () => me('DELETE', token, { verificationCode: codeAt(active, clock.seconds() + 600) })));
        assert.ok(wrong.every((r) => r.body.code === 'insufficient_user_authentication'), 'no code is judged: nothing to guess against');
        assert.equal(await totpFailures(userId), 0);
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { EnableAccountLockingForFailedAttempts: null });
      }
      assert.equal((await me('POST', token, { verificationCode: codeAt(active, clock.seconds()) }, BACKUP)).status, 201, 'with the lock back, the code proves again');
    });

    test('bad bodies are 400 with a message and are not counted', async () => {
      const { token, userId } = await myAccountToken('bea');
      await enroll(token);
      const bad: Array<[string, unknown, RegExp, string?]> = [
        ['DELETE', { verificationCode: '12ab56' }, /6-digit code/],
        ['DELETE', { verificationCode: ['123456'] }, /string of digits/],
        ['DELETE', { code: '123456' }, /unknown field "code"/],
        ['DELETE', [1], /JSON object/],
        ['POST', { action: 'REFRESH', verificationCode: '1234567' }, /6-digit code/],
        ['POST', { verificationCode: {} }, /string of digits/, BACKUP],
        ['POST', { verificationCode: '1', extra: true }, /unknown field "extra"/, BACKUP],
      ];
      for (const [method, body, message, path] of bad) {
        const res = await me(method, token, body, path);
        assert.equal(res.status, 400, `${method} ${path ?? ME} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, message);
      }
      assert.equal(await totpFailures(userId), 0, 'malformed codes are not attempts');
    });
  } else {
    test('20 concurrent REFRESHes with one right code: exactly one succeeds', async () => {
      const { token } = await myAccountToken('cora');
      const active = await enroll(token);
      const code = codeAt(active, clock.seconds());
      const answers = await Promise.all(Array.from({ length: 20 }, () => me('POST', token, { action: 'REFRESH', verificationCode: code })));
      assert.equal(answers.filter((a) => a.status === 200).length, 1, JSON.stringify(answers.map((a) => a.body.code ?? a.status)));
      assert.ok(answers.every((a) => a.status === 200 || a.status === 403));
    });

    test('20 concurrent wrong codes: only the allowed number is judged, the rest refused as locked', async () => {
      const { token, userId } = await myAccountToken('gina');
      const active = await enroll(token);
      const answers = await Promise.all(Array.from({ length: 20 }, () => me('DELETE', token, { verificationCode: codeAt(active, clock.seconds() + 600) })));
      const codes = answers.map((a) => a.body.code);
      assert.equal(codes.filter((c) => c === 'invalid_verification_code').length, ALLOWED_FAILURES, JSON.stringify(codes));
      assert.equal(codes.filter((c) => c === 'totp_locked').length, 20 - ALLOWED_FAILURES);
      assert.equal(await totpFailures(userId), ALLOWED_FAILURES, 'the judged ones counted; those refused unjudged are not');
      assert.equal((await me('GET', token)).body.status, 'active');
    });
  }
}

for (const dialect of DIALECTS) {
  describe(`self-service changes confirmed with a code of the active app (${dialect})`, () => proofSuite(dialect, false));
}
if (DIALECTS.includes('postgres')) describe('self-service changes confirmed with a code, under concurrency (postgres)', () => proofSuite('postgres', true));
