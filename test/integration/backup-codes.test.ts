// Backup codes over HTTP with real sign-ins: the offer after TOTP enrollment, the
// self-service API and its recent-second-factor rule, signing in with a code through the
// step chooser (amr ["pwd","mfa"]), single use (also under 20 concurrent sign-ins on
// PostgreSQL), regeneration, the lockout, and what is stored (argon2id hashes only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { authorize, exchange } from '../helpers/oidc-authorize.js';
import { discover } from '../helpers/oidc-login.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep } from '../helpers/totp.js';
import { WITH_BACKUP, BACKUP_CODE_FACTOR as FACTOR, post, codesOn, totpThroughChooser, type At } from '../helpers/backup-codes.js';
import { failedAttempts, lockState } from '../../src/authn/regulation.js';
import { createLogger } from '../../src/logger.js';
import type { Deps } from '../../src/deps.js';
import { regenerateBackupCodes } from '../../src/authn/authenticators/backup-code/backup-code.service.js';

const ME = '/api/users/v1/me/backup-codes';
const SCOPE = 'openid internal_login';
const PASSWORD = 'backup-codes-Passw0rd';
const ALLOWED_FAILURES = 3;
const CODE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

const bearer = (token: string) => `Bearer ${token}`;

/** Every row of every table, as text: where a plaintext code would show up if it were stored. */
async function everything(deps: Deps): Promise<string> {
  const tables = await deps.store.db.introspection.getTables();
  const dumps: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(deps.store.db);
    dumps.push(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'bigint' ? String(v) : v)));
  }
  assert.ok(tables.some((t) => t.name === 'backup_code') && tables.some((t) => t.name === 'oidc_model'), 'the dump covers the tables that matter');
  return dumps.join('\n');
}

for (const dialect of DIALECTS) {
  describe(`backup codes (${dialect})`, () => {
    let server: TestServer;
    const clock = manualClock();
    const logs: Array<Record<string, any>> = [];
    let totpOnly: RegisteredApp;
    let choice: RegisteredApp;
    let pwdApp: RegisteredApp;

    before(async () => {
      server = await startServer({
        dialect, clock,
        overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: ALLOWED_FAILURES } } },
      });
      server.deps.logger = createLogger('info', { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, any>); } });
      totpOnly = await registerApp(server, { name: 'totp-only', sequence: TWO_STEP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/totp/callback' });
      pwdApp = await registerApp(server, { name: 'my-account', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/pwd/callback' });
    });
    after(() => server.close());

    const signIn = (app: RegisteredApp, username: string, password = PASSWORD) => startTwoStep({
      issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri,
      username, password, params: { scope: SCOPE },
    });
    const me = (method: string, token: string) => api(server, method, ME, { auth: bearer(token) });
    const userId = async (username: string) => (await server.deps.store.db.selectFrom('app_user').select('id')
      .where('tenant_id', '=', server.tenant.id).where('username', '=', username).executeTakeFirstOrThrow()).id;
    const rows = async (username: string) => server.deps.store.db.selectFrom('backup_code').selectAll()
      .where('tenant_id', '=', server.tenant.id).where('user_id', '=', await userId(username)).execute();

    /** Password, then the chooser's "Use a backup code": the backup-code page. */
    async function backupCodePage(username: string): Promise<At> {
      const step = await signIn(choice, username);
      assert.equal(step.status, 200, step.page.slice(0, 300));
      assert.match(step.page, /name="choose" value="backup-code-authenticator"[^>]*>Use a backup code</, 'the chooser offers backup codes');
      return post(step, { choose: FACTOR }, choice.redirectUri);
    }

    /** Password, chooser, TOTP enrollment with a correct code: the page that follows enrollment. */
    async function enroll(username: string, app = choice) {
      await createScimUser(server, { userName: username, password: PASSWORD });
      clock.advance(30);
      const step = await signIn(app, username);
      const totp = app === choice ? await post(step, { choose: 'totp' }, app.redirectUri) : step;
      const secret = secretFromPage(totp.page);
      const next = await post(totp, { token: codeAt(secret, clock.seconds()) }, app.redirectUri);
      return { secret, next, started: step };
    }

    /** A full sign-in with a TOTP code in the next time step: tokens whose amr has otp. */
    async function totpTokens(username: string, secret: string) {
      clock.advance(30);
      return totpThroughChooser(await signIn(choice, username), choice.redirectUri, secret, clock.seconds());
    }

    /** A user with TOTP and a fresh set of codes from the self-service API. */
    async function userWithCodes(username: string) {
      const { secret, next } = await enroll(username);
      const skipped = await post(next, { backupCodes: 'skip' }, choice.redirectUri);
      assert.ok(skipped.url.startsWith(choice.redirectUri), '"Continue without" finishes the sign-in');
      const tokens = await totpTokens(username, secret);
      const created = await me('POST', tokens.access_token);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { secret, tokens, codes: created.body.backupCodes as string[] };
    }

    test('no offer after TOTP enrollment while no application takes backup codes', async () => {
      const { next } = await enroll('olga', totpOnly);
      assert.ok(next.url.startsWith(totpOnly.redirectUri), `enrollment went straight to the app: ${next.page.slice(0, 300)}`);
      choice = await registerApp(server, { name: 'with-backup', sequence: WITH_BACKUP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/choice/callback' });
    });

    test('after enrollment: the offer; codes created on demand, shown once with a download and a print view; Continue reaches the app', async () => {
      const { next, started } = await enroll('oscar');
      assert.equal(next.status, 200);
      assert.match(next.page, /Two-step verification is set up/);
      assert.match(next.page, /name="backupCodes" value="create"[^>]*>Create backup codes</);
      assert.match(next.page, /name="backupCodes" value="skip"[^>]*>Continue without</);
      assert.equal((await server.deps.store.db.selectFrom('totp_credential').select('status').where('user_id', '=', await userId('oscar')).execute()).length, 1,
        'the secret is stored before the offer is shown');
      assert.deepEqual(await rows('oscar'), [], 'no codes before the user asks for them');

      const shown = await post(next, { backupCodes: 'create' }, choice.redirectUri);
      assert.equal(shown.status, 200);
      const codes = codesOn(shown.page);
      assert.equal(codes.length, 10);
      for (const code of codes) assert.match(code, CODE);
      assert.equal(new Set(codes).size, 10);
      const link = /<a href="(data:text\/plain[^"]+)" download="backup-codes.txt">/.exec(shown.page);
      assert.ok(link, 'a download link for backup-codes.txt');
      const text = decodeURIComponent(link[1]!.replace(/&amp;/g, '&').split(',').slice(1).join(','));
      for (const code of codes) assert.ok(text.includes(code), `the download has ${code}`);
      const hashes = (await rows('oscar')).map((r) => r.hash).sort();
      assert.equal(hashes.length, 10);

      // While the codes wait in the sign-in (until Continue), no table holds them in clear.
      const stored = (await everything(server.deps)).toUpperCase();
      for (const code of codes) {
        assert.ok(!stored.includes(code) && !stored.includes(code.replace('-', '')), `${code} is stored in plain text`);
      }

      const print = await post(shown, { backupCodes: 'print' }, choice.redirectUri);
      assert.deepEqual(codesOn(print.page), codes, 'the print view shows the same codes');
      assert.match(print.page, /@media print/);
      assert.match(print.page, /Backup codes for oscar/);
      const again = await post(print, { backupCodes: 'create' }, choice.redirectUri);
      assert.deepEqual(codesOn(again.page), codes, 'asking again shows the same set, it does not make another');
      assert.deepEqual((await rows('oscar')).map((r) => r.hash).sort(), hashes);

      const done = await post(again, { backupCodes: 'continue' }, choice.redirectUri);
      assert.ok(done.url.startsWith(choice.redirectUri), `Continue reaches the app: ${done.page.slice(0, 300)}`);
      const claims = (await exchange(started.config, { ...started.started, callback: new URL(done.url) })).claims()!;
      assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd'], 'the sign-in was finished by the TOTP step');
      const event = logs.find((l) => l.event === 'backup_codes_generated' && l.via === 'login');
      assert.equal(event?.tenantId, server.tenant.id);
      assert.equal(event?.userId, await userId('oscar'));
    });

    test('an offer left open passes nothing once the secret it enrolled is gone: no codes, no sign-in, also after a new enrollment elsewhere', async () => {
      const { next } = await enroll('ophelia');
      assert.match(next.page, /Two-step verification is set up/);
      const id = await userId('ophelia');
      // The credential removed under the open page (as a reset does; its sign-out may come later).
      await server.deps.store.db.deleteFrom('totp_credential').where('tenant_id', '=', server.tenant.id).where('user_id', '=', id).execute();
      for (const answer of ['create', 'continue', 'skip']) {
        const after = await post(next, { backupCodes: answer }, choice.redirectUri);
        assert.ok(!after.reached, `${answer} did not reach the application`);
        assert.match(after.page, /changed while you were signing in/);
      }
      assert.deepEqual(await rows('ophelia'), [], 'no backup codes were made');

      // A new phone enrolled in another sign-in: the old page still stands for nothing.
      clock.advance(30);
      const old = await signIn(choice, 'ophelia');
      const totp = await post(old, { choose: 'totp' }, choice.redirectUri);
      const again = await post(totp, { token: codeAt(secretFromPage(totp.page), clock.seconds()) }, choice.redirectUri);
      assert.match(again.page, /Two-step verification is set up/, 'rhea enrolled again');
      const stale = await post(next, { backupCodes: 'continue' }, choice.redirectUri);
      assert.ok(!stale.reached, 'the first offer does not finish on the strength of the new secret');
      assert.match(stale.page, /changed while you were signing in/);
    });

    test('abandoning the offer keeps the enrollment: the next sign-in asks for a code', async () => {
      const { secret, next } = await enroll('abby');
      assert.match(next.page, /Two-step verification is set up/);
      clock.advance(30);
      const step = await signIn(choice, 'abby');
      const totp = await post(step, { choose: 'totp' }, choice.redirectUri);
      assert.doesNotMatch(totp.page, /QR code|Two-step verification is set up/);
      const done = await post(totp, { token: codeAt(secret, clock.seconds()) }, choice.redirectUri);
      assert.ok(done.url.startsWith(choice.redirectUri), `signed in with the enrolled app: ${done.page.slice(0, 300)}`);
    });

    test('self-service: GET counts; POST and DELETE need a recent second factor; Basic is refused; stored as argon2id, one row each', async () => {
      const { codes, tokens } = await userWithCodes('sam');
      assert.equal(codes.length, 10);
      for (const code of codes) assert.match(code, CODE);
      assert.deepEqual((await me('GET', tokens.access_token)).body, { remainingBackupCodesCount: 10 });
      const stored = await rows('sam');
      assert.equal(stored.length, 10);
      for (const row of stored) {
        assert.match(row.hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
        assert.equal(row.used_at, null);
      }
      const everywhere = (await everything(server.deps)).toUpperCase();
      for (const code of codes) assert.ok(!everywhere.includes(code) && !everywhere.includes(code.replace('-', '')), `${code} is stored in plain text`);

      const password = await signIn(pwdApp, 'sam');
      assert.ok(password.url.startsWith(pwdApp.redirectUri), 'a password-only sign-in');
      const pwd = await exchange(password.config, { ...password.started, callback: new URL(password.url) });
      assert.deepEqual(pwd.claims()!.amr, ['pwd']);
      assert.deepEqual((await me('GET', pwd.access_token)).body, { remainingBackupCodesCount: 10 }, 'reading the count needs no second factor');
      for (const method of ['POST', 'DELETE']) {
        const refused = await me(method, pwd.access_token);
        assert.equal(refused.status, 403, `${method} with a password-only token`);
        assert.equal(refused.body.code, 'insufficient_user_authentication');
      }
      clock.advance(301);
      assert.equal((await me('POST', tokens.access_token)).status, 403, 'the second factor is no longer recent');
      assert.equal((await rows('sam')).length, 10, 'nothing changed');

      const basic = await api(server, 'POST', ME, { auth: server.adminAuth });
      assert.equal(basic.status, 403);
      assert.equal(basic.body.code, 'basic_auth_not_allowed');
      assert.equal((await api(server, 'GET', ME)).status, 401);
      assert.equal((await me('GET', 'not-a-token')).status, 401);
    });

    test('a backup code signs in through the chooser with amr ["pwd","mfa"]; the same code fails the second time', async () => {
      const { codes } = await userWithCodes('bella');
      const page = await backupCodePage('bella');
      assert.match(page.page, /<label for="backup-code">Backup code<\/label>/);
      assert.match(page.page, /<input id="backup-code" name="BackupCode"[^>]*autocomplete="one-time-code"/);
      assert.match(page.page, /name="chooser"[^>]*>Choose a different option</);

      // As people type it: lower case, a space instead of the dash.
      const typed = codes[3]!.toLowerCase().replace('-', ' ');
      logs.length = 0;
      const done = await post(page, { BackupCode: typed }, choice.redirectUri);
      assert.ok(done.url.startsWith(choice.redirectUri), `the code was refused: ${done.page.slice(0, 400)}`);
      const used = logs.find((l) => l.event === 'backup_code_used');
      assert.equal(used?.tenantId, server.tenant.id);
      assert.equal(used?.userId, await userId('bella'));
      assert.equal((await rows('bella')).filter((r) => r.used_at !== null).length, 1, 'one row spent');

      const again = await backupCodePage('bella');
      const replay = await post(again, { BackupCode: codes[3]! }, choice.redirectUri);
      assert.equal(replay.status, 400, 'a used code is refused');
      assert.match(replay.page, /not correct or was already used/);
      assert.equal(await failedAttempts(server.deps, server.tenant.id, await userId('bella'), FACTOR), 1);
      const other = await post(replay, { BackupCode: codes[4]! }, choice.redirectUri);
      assert.ok(other.url.startsWith(choice.redirectUri), 'another unused code works');
    });

    test('amr is ["pwd","mfa"] and acr mfa for password + backup code', async () => {
      const { codes } = await userWithCodes('amira');
      const step = await signIn(choice, 'amira', PASSWORD);
      const page = await post(step, { choose: FACTOR }, choice.redirectUri);
      const done = await post(page, { BackupCode: codes[0]! }, choice.redirectUri);
      assert.ok(done.url.startsWith(choice.redirectUri), done.page.slice(0, 300));
      const claims = (await exchange(step.config, { ...step.started, callback: new URL(done.url) })).claims()!;
      assert.deepEqual(claims.amr, ['pwd', 'mfa'], 'RFC 8176 has no value for a lookup secret: not otp');
      assert.equal(claims.acr, 'urn:gatehouse:acr:mfa');
    });

    test('attack: a step-up with a backup code over an old TOTP proof is no recent second factor for the self-service API', async () => {
      const { secret, codes } = await userWithCodes('stella');
      const backupOnly = await registerApp(server, {
        name: 'backup-only', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/backup/callback',
        sequence: { ...TWO_STEP, steps: [TWO_STEP.steps[0]!, { id: 2, options: [{ idp: 'LOCAL', authenticator: FACTOR }] }] },
      });
      // A TOTP sign-in in this browser, then ten minutes later an application that asks
      // only for the step the session lacks: a backup code. Its token has otp in amr (the
      // session's) and a new auth_time (the backup code's).
      clock.advance(30);
      const browser = new HttpBrowser();
      const first = await startTwoStep({ issuer: server.tenant.issuer, clientId: totpOnly.clientId, clientSecret: totpOnly.clientSecret, redirectUri: totpOnly.redirectUri, username: 'stella', password: PASSWORD, browser, params: { scope: SCOPE } });
      assert.ok((await post(first, { token: codeAt(secret, clock.seconds()) }, totpOnly.redirectUri)).reached);
      clock.advance(600);
      const config = await discover(server.tenant.issuer, backupOnly.clientId, backupOnly.clientSecret);
      const started = await authorize(config, browser, backupOnly.redirectUri, { scope: SCOPE });
      const page = await started.res.text();
      assert.match(page, /name="BackupCode"/, 'only the missing step is asked');
      const done = await post({ browser, url: started.url, status: 200, page }, { BackupCode: codes[0]! }, backupOnly.redirectUri);
      assert.ok(done.reached, done.page.slice(0, 300));
      const tokens = await exchange(config, { ...started, callback: new URL(done.url) });
      assert.ok((tokens.claims()!.amr as string[]).includes('otp'));
      assert.ok(clock.seconds() - Number(tokens.claims()!.auth_time) < 60, 'auth_time is the backup code\'s');
      const refused = await me('POST', tokens.access_token);
      assert.equal(refused.status, 403, 'the code was proven ten minutes ago: no new set of backup codes');
      assert.equal(refused.body.code, 'insufficient_user_authentication');
    });

    test('regenerating makes the old set stop working; DELETE leaves none and the page says what to do', async () => {
      const { secret, codes: old } = await userWithCodes('rhea');
      const tokens = await totpTokens('rhea', secret);
      const fresh = await me('POST', tokens.access_token);
      assert.equal(fresh.status, 201);
      const codes = fresh.body.backupCodes as string[];
      assert.equal(codes.filter((c) => old.includes(c)).length, 0);
      assert.equal((await rows('rhea')).length, 10, 'the old rows are gone, not kept beside the new ones');

      const page = await backupCodePage('rhea');
      const refused = await post(page, { BackupCode: old[0]! }, choice.redirectUri);
      assert.equal(refused.status, 400, 'a code of the old set is refused');
      const ok = await post(refused, { BackupCode: codes[0]! }, choice.redirectUri);
      assert.ok(ok.url.startsWith(choice.redirectUri), 'a code of the new set works');
      assert.ok(logs.some((l) => l.event === 'backup_codes_generated' && l.via === 'self-service' && l.userId === tokens.claims()!.sub && l.tenantId === server.tenant.id));

      // Replacing a set that still had unused codes ended the user's sessions and tokens (revocation.test.ts).
      assert.equal((await me('GET', tokens.access_token)).status, 401);
      const again = await totpTokens('rhea', secret);
      const deleted = await me('DELETE', again.access_token);
      assert.equal(deleted.status, 204);
      assert.deepEqual((await me('GET', again.access_token)).body, { remainingBackupCodesCount: 0 });
      const none = await backupCodePage('rhea');
      assert.match(none.page, /No backup codes left/);
      assert.match(none.page, /ask your administrator/);
      assert.doesNotMatch(none.page, /name="BackupCode"/);
      assert.match(none.page, /Choose a different option/);
    });

    test('wrong codes count into the lockout under backup-code-authenticator; a locked account is refused even with a good code', async () => {
      const { codes } = await userWithCodes('lena');
      const id = await userId('lena');
      let at = await backupCodePage('lena');
      for (let i = 0; i < ALLOWED_FAILURES; i++) {
        at = await post(at, { BackupCode: `ZZZZZ-ZZZ${i}Z` }, choice.redirectUri);
        assert.equal(at.status, 400);
      }
      assert.equal((await lockState(server.deps, server.tenant.id, id, FACTOR)).locked, true);
      assert.equal((await lockState(server.deps, server.tenant.id, id, 'totp')).locked, false, 'the authenticator app is not locked by backup-code failures');
      const locked = await post(at, { BackupCode: codes[0]! }, choice.redirectUri);
      assert.equal(locked.status, 400);
      assert.match(locked.page, /Too many incorrect backup codes/);
      assert.equal((await rows('lena')).filter((r) => r.used_at !== null).length, 0, 'a locked step spends no code');

      const unlocked = await api(server, 'POST', `/api/server/v1/users/${id}/unlock`, { auth: server.adminAuth, body: { factor: FACTOR } });
      assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
      assert.deepEqual(unlocked.body.wasLocked, [FACTOR]);
      const after = await post(await backupCodePage('lena'), { BackupCode: codes[0]! }, choice.redirectUri);
      assert.ok(after.url.startsWith(choice.redirectUri), 'unlocked, the code works');
    });

    test('administrators see how many codes remain (internal_user_mgt_view)', async () => {
      const { codes, tokens } = await userWithCodes('ada');
      const id = await userId('ada');
      await post(await backupCodePage('ada'), { BackupCode: codes[9]! }, choice.redirectUri);
      const count = await api(server, 'GET', `/api/server/v1/users/${id}/backup-codes`, { auth: server.adminAuth });
      assert.equal(count.status, 200);
      assert.deepEqual(count.body, { remainingBackupCodesCount: 9 });
      const state = await api(server, 'GET', `/api/server/v1/users/${id}/totp`, { auth: server.adminAuth });
      assert.equal(state.body.backupCodesRemaining, 9);
      assert.equal((await api(server, 'GET', `/api/server/v1/users/${crypto.randomUUID()}/backup-codes`, { auth: server.adminAuth })).status, 404);
      const user = await api(server, 'GET', `/api/server/v1/users/${id}/backup-codes`, { auth: bearer(tokens.access_token) });
      assert.equal(user.status, 403, 'a user token without internal_user_mgt_view is refused');
    });
  });
}

if (DIALECTS.includes('postgres')) {
  describe('backup codes under concurrency (postgres)', () => {
    let server: TestServer;
    before(async () => {
      // Failures must not lock the account during the burst (19 of the 20 fail): a lock set
      // before the winner's check would refuse it too, and this test is about the spend.
      server = await startServer({
        dialect: 'postgres',
        overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: 100 } } },
      });
    });
    after(() => server.close());

    test('20 concurrent sign-ins with one unused code: exactly one succeeds', async () => {
      const app = await registerApp(server, { name: 'with-backup', sequence: WITH_BACKUP });
      const user = await createScimUser(server, { userName: 'connie', password: PASSWORD });
      const codes = await regenerateBackupCodes(server.deps, server.tenant.id, user.id, 'self-service');

      const pages = await Promise.all(Array.from({ length: 20 }, async () => {
        const step = await startTwoStep({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'connie', password: PASSWORD });
        const page = await post(step, { choose: FACTOR }, app.redirectUri);
        assert.match(page.page, /name="BackupCode"/);
        return page;
      }));
      const results = await Promise.all(pages.map((page) => post(page, { BackupCode: codes[0]! }, app.redirectUri)));
      const succeeded = results.filter((r) => r.url.startsWith(app.redirectUri));
      assert.equal(succeeded.length, 1, `${succeeded.length} of 20 concurrent sign-ins succeeded with one code`);
      for (const r of results.filter((x) => !x.url.startsWith(app.redirectUri))) {
        assert.equal(r.status, 400);
        assert.match(r.page, /not correct or was already used/);
      }
      const used = await server.deps.store.db.selectFrom('backup_code').select('used_at')
        .where('tenant_id', '=', server.tenant.id).where('user_id', '=', user.id).where('used_at', 'is not', null).execute();
      assert.equal(used.length, 1);
      // Each loser was counted before it was judged; the one success then cleared the count,
      // as any success does, so what is left is only what was counted after it.
      assert.ok(await failedAttempts(server.deps, server.tenant.id, user.id, FACTOR) < 19);
    });
  });
}
