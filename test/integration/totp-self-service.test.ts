// The self-service TOTP API /api/users/v1/me/totp, driven with real tokens from real
// sign-ins: who may call it (a user's token with internal_login, never Basic, never a
// client-credentials token), WSO2's INIT / REFRESH / VALIDATE / DELETE semantics, the
// recent second factor that changing or removing an active secret needs, and the lock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, basicAuth, ADMIN, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { authorize, exchange } from '../helpers/oidc-authorize.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { decodeQrFromPng } from '../helpers/qr-decode.js';
import { TWO_STEP, manualClock, codeAt, startTwoStep, submitCode } from '../helpers/totp.js';
import { updateTotpParameters } from '../../src/authn/authenticators/totp/parameters.js';
import { failedAttempts, unlock } from '../../src/authn/regulation.js';

const ME = '/api/users/v1/me/totp';
const SCOPE = 'openid internal_login';
const PASSWORD = 'self-service-Passw0rd';
const ALLOWED_FAILURES = 3;

const bearer = (token: string) => `Bearer ${token}`;
const otpauthOf = (qrCodeUrl: string) => Buffer.from(qrCodeUrl, 'base64').toString('utf8');

for (const dialect of DIALECTS) {
  describe(`self-service TOTP API (${dialect})`, () => {
    let server: TestServer;
    const clock = manualClock();
    let pwdApp: RegisteredApp; // basic only, lists internal_login
    let mfaApp: RegisteredApp; // basic then totp, lists internal_login
    let plainApp: RegisteredApp; // basic only, no internal_login
    let robot: RegisteredApp; // client credentials, lists internal_login
    let adminWeb: RegisteredApp; // basic only, an admin scope but not internal_login
    let adminSelf: RegisteredApp; // basic only, an admin scope and internal_login

    before(async () => {
      server = await startServer({
        dialect, clock,
        overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: ALLOWED_FAILURES } } },
      });
      pwdApp = await registerApp(server, { name: 'my-account', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/pwd/callback' });
      mfaApp = await registerApp(server, { name: 'my-account-mfa', sequence: TWO_STEP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/mfa/callback' });
      plainApp = await registerApp(server, { name: 'plain-web', redirectUri: 'http://localhost:8787/plain/callback' });
      robot = await registerApp(server, { name: 'robot', grantTypes: ['client_credentials'], managementScopes: ['internal_login'] });
      adminWeb = await registerApp(server, { name: 'admin-web', managementScopes: ['internal_user_mgt_view'], redirectUri: 'http://localhost:8787/admin/callback' });
      adminSelf = await registerApp(server, { name: 'admin-self', managementScopes: ['internal_user_mgt_view', 'internal_login'], redirectUri: 'http://localhost:8787/admin-self/callback' });
    });
    after(() => server.close());

    const me = (method: string, token: string, body?: unknown, path = ME) => api(server, method, path, { auth: bearer(token), ...(body !== undefined ? { body } : {}) });

    const newUser = async (userName: string) => createScimUser(server, { userName, password: PASSWORD, email: `${userName}@example.com` });

    /** An access token from a password-only sign-in (a fresh browser, so a fresh session). */
    async function passwordToken(app: RegisteredApp, username: string, password = PASSWORD, scope = SCOPE): Promise<string> {
      const login = await passwordLogin({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username, password, scope });
      assert.ok(login.tokens, `signed in to ${app.redirectUri}: ${login.status} ${login.page.slice(0, 300)}`);
      return login.tokens.access_token;
    }

    /** Starts a password+TOTP sign-in to mfaApp in the next time step; returns the TOTP page. */
    async function mfaPage(username: string, params: Record<string, string> = {}) {
      clock.advance(30);
      const step = await startTwoStep({
        issuer: server.tenant.issuer, clientId: mfaApp.clientId, clientSecret: mfaApp.clientSecret, redirectUri: mfaApp.redirectUri,
        username, password: PASSWORD, params: { scope: SCOPE, ...params },
      });
      assert.equal(step.status, 200, `the TOTP step follows the password: ${step.page.slice(0, 300)}`);
      return step;
    }

    /** A full password+TOTP sign-in with a code of `secret`; the tokens and the client configuration. */
    async function mfaTokens(username: string, secret: string) {
      const step = await mfaPage(username);
      assert.doesNotMatch(step.page, /QR code/, 'an enrolled user is asked for a code, not shown a QR');
      const done = await submitCode(step.browser, step.url, step.page, codeAt(secret, clock.seconds()), mfaApp.redirectUri);
      assert.ok(done.url.startsWith(mfaApp.redirectUri), `signed in with the code: ${done.status} ${done.page.slice(0, 300)}`);
      const tokens = await exchange(step.config, { ...step.started, callback: new URL(done.url) });
      return { tokens, config: step.config };
    }

    /** INIT then VALIDATE through the API; returns the now active secret. */
    async function enrollViaApi(token: string): Promise<string> {
      const init = await me('POST', token, { action: 'INIT' });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      const valid = await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(init.body.secret, clock.seconds()) });
      assert.deepEqual(valid.body, { isValid: true });
      return init.body.secret as string;
    }

    test('INIT gives a pending secret and its QR; a wrong code activates nothing; the right one makes it the secret sign-in asks for', async () => {
      await newUser('uma');
      const token = await passwordToken(pwdApp, 'uma');
      const none = await me('GET', token);
      assert.equal(none.status, 200, JSON.stringify(none.body));
      assert.equal(none.body.status, 'none');
      assert.equal(none.body.qrCodeUrl, undefined, 'GET creates nothing (WSO2 #18871)');

      const init = await me('POST', token, { action: 'INIT' });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      assert.equal(init.headers.get('cache-control'), 'no-store');
      const secret = init.body.secret as string;
      assert.match(secret, /^[A-Z2-7]{32}$/, '20 random bytes in Base32');
      const uri = otpauthOf(init.body.qrCodeUrl);
      assert.match(uri, /^otpauth:\/\/totp\//);
      assert.equal(new URL(uri).searchParams.get('secret'), secret);
      assert.match(init.body.qrCode, /^data:image\/png;base64,/);
      assert.equal(decodeQrFromPng(Buffer.from(init.body.qrCode.split(',')[1], 'base64')), uri, 'the QR image holds the same otpauth URI');

      const pending = await me('GET', token);
      assert.equal(pending.body.status, 'pending');
      assert.equal(pending.body.secret, secret, 'a reload shows the same pending secret');
      assert.equal(pending.body.qrCodeUrl, init.body.qrCodeUrl);

      const wrong = await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds() + 90) });
      assert.equal(wrong.status, 200);
      assert.deepEqual(wrong.body, { isValid: false });
      assert.equal((await me('GET', token)).body.status, 'pending', 'a wrong code activates nothing');

      const right = await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) });
      assert.deepEqual(right.body, { isValid: true });
      const active = await me('GET', token);
      assert.equal(active.body.status, 'active');
      assert.ok(active.body.enrolledAt);
      for (const field of ['secret', 'qrCodeUrl', 'qrCode']) assert.equal(active.body[field], undefined, `GET never shows the active secret (${field})`);
      assert.doesNotMatch(JSON.stringify(active.body), new RegExp(secret));
      assert.equal((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) })).body.code, 'no_pending_totp');

      // The code VALIDATE accepted cannot sign in again; the next one does, with no QR shown.
      const login = await startTwoStep({ issuer: server.tenant.issuer, clientId: mfaApp.clientId, clientSecret: mfaApp.clientSecret, redirectUri: mfaApp.redirectUri, username: 'uma', password: PASSWORD });
      assert.doesNotMatch(login.page, /QR code/);
      const replay = await submitCode(login.browser, login.url, login.page, codeAt(secret, clock.seconds()), mfaApp.redirectUri);
      assert.equal(replay.status, 400, 'the time step proven by VALIDATE is spent');
      clock.advance(30);
      const ok = await submitCode(login.browser, login.url, replay.page, codeAt(secret, clock.seconds()), mfaApp.redirectUri);
      assert.ok(ok.url.startsWith(mfaApp.redirectUri), `signed in with a code of the API-enrolled secret: ${ok.page.slice(0, 300)}`);
    });

    test('VALIDATE applies the tenant\'s windowSize', async () => {
      await newUser('walt');
      const token = await passwordToken(pwdApp, 'walt');
      const secret = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      const previous = codeAt(secret, clock.seconds() - 30);
      await updateTotpParameters(server.deps, server.tenant.id, { windowSize: 1 });
      try {
        assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: previous })).body, { isValid: false }, 'windowSize 1: only the current step');
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { windowSize: null });
      }
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: previous })).body, { isValid: true }, 'windowSize 3: the previous step too');
    });

    test('bad bodies are 400 with a message, and a code given as a JSON number keeps its leading zeros', async () => {
      await newUser('bert');
      const token = await passwordToken(pwdApp, 'bert');
      const cases: Array<[unknown, RegExp]> = [
        [[], /JSON object/],
        [{}, /action must be one of INIT, REFRESH, VALIDATE/],
        [{ action: 'init' }, /action must be one of/],
        [{ action: 'VIEW' }, /action must be one of/],
        [{ action: 'VALIDATE' }, /needs verificationCode/],
        [{ action: 'VALIDATE', verificationCode: { code: 1 } }, /string of digits/],
        [{ action: 'INIT', userId: 'someone-else' }, /unknown field "userId"/],
      ];
      for (const [body, message] of cases) {
        const res = await me('POST', token, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.message, message, JSON.stringify(body));
      }
      const raw = await fetch(`${server.url}${ME}`, { method: 'POST', headers: { authorization: bearer(token), 'content-type': 'application/json' }, body: '{"action":' });
      assert.equal(raw.status, 400, 'malformed JSON');

      const secret = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      for (const code of ['12345', 'abcdef', '1234567']) {
        const res = await me('POST', token, { action: 'VALIDATE', verificationCode: code });
        assert.equal(res.status, 400, code);
        assert.match(res.body.message, /6-digit code/);
      }
      // Find a time step whose code starts with 0, as WSO2 clients send the code as a number.
      let at = clock.seconds();
      while (!codeAt(secret, at).startsWith('0')) at += 30;
      clock.set(at * 1000);
      const asNumber = await me('POST', token, { action: 'VALIDATE', verificationCode: Number(codeAt(secret, at)) });
      assert.deepEqual(asNumber.body, { isValid: true });
    });

    test('REFRESH keeps the active secret working until the new one is validated', async () => {
      await newUser('rita');
      const first = await enrollViaApi(await passwordToken(pwdApp, 'rita'));
      const { tokens } = await mfaTokens('rita', first);
      const refresh = await me('POST', tokens.access_token, { action: 'REFRESH' });
      assert.equal(refresh.status, 200, JSON.stringify(refresh.body));
      const second = refresh.body.secret as string;
      assert.notEqual(second, first);
      const state = await me('GET', tokens.access_token);
      assert.equal(state.body.status, 'active');
      assert.equal(state.body.pendingReplacement, true);
      assert.equal(state.body.secret, second, 'the replacement is shown to a token with a recent second factor');

      await mfaTokens('rita', first); // the old secret still signs in
      const valid = await me('POST', tokens.access_token, { action: 'VALIDATE', verificationCode: codeAt(second, clock.seconds()) });
      assert.deepEqual(valid.body, { isValid: true });
      assert.equal((await me('GET', tokens.access_token)).body.pendingReplacement, false);

      const step = await mfaPage('rita');
      const old = await submitCode(step.browser, step.url, step.page, codeAt(first, clock.seconds()), mfaApp.redirectUri);
      assert.equal(old.status, 400, 'the replaced secret no longer signs in');
      const ok = await submitCode(step.browser, step.url, old.page, codeAt(second, clock.seconds()), mfaApp.redirectUri);
      assert.ok(ok.url.startsWith(mfaApp.redirectUri), ok.page.slice(0, 300));
    });

    test('attack: a password-only token cannot DELETE or REFRESH an active secret, nor read a pending replacement', async () => {
      await newUser('pat');
      const pwdToken = await passwordToken(pwdApp, 'pat');
      const secret = await enrollViaApi(pwdToken);
      for (const [method, body] of [['DELETE', undefined], ['POST', { action: 'REFRESH' }]] as const) {
        const res = await me(method, pwdToken, body);
        assert.equal(res.status, 403, `${method} ${JSON.stringify(body)}`);
        assert.equal(res.body.code, 'insufficient_user_authentication');
        assert.match(res.body.message, /prompt=login/);
      }
      const init = await me('POST', pwdToken, { action: 'INIT' });
      assert.equal(init.status, 409);
      assert.match(init.body.message, /REFRESH/);
      assert.equal((await me('GET', pwdToken)).body.status, 'active', 'nothing was removed');
      assert.equal((await me('GET', pwdToken)).body.pendingReplacement, false, 'nothing was replaced');

      // The owner starts a replacement with a fresh second factor and leaves it unfinished.
      const { tokens } = await mfaTokens('pat', secret);
      const replacement = (await me('POST', tokens.access_token, { action: 'REFRESH' })).body.secret as string;
      const seen = await me('GET', pwdToken);
      assert.equal(seen.body.pendingReplacement, true);
      for (const field of ['secret', 'qrCodeUrl', 'qrCode']) assert.equal(seen.body[field], undefined, `a password-only token does not see the replacement (${field})`);
      assert.doesNotMatch(JSON.stringify(seen.body), new RegExp(replacement));
    });

    test('DELETE with a fresh password+TOTP token removes TOTP, and the next sign-in enrolls again', async () => {
      await newUser('dora');
      const secret = await enrollViaApi(await passwordToken(pwdApp, 'dora'));
      const { tokens } = await mfaTokens('dora', secret);
      const removed = await me('DELETE', tokens.access_token);
      assert.equal(removed.status, 204);
      assert.equal((await me('GET', tokens.access_token)).status, 401, 'removing the active secret revoked the user\'s tokens, this one too');
      assert.equal((await me('GET', await passwordToken(pwdApp, 'dora'))).body.status, 'none');
      const next = await mfaPage('dora');
      assert.match(next.page, /<img src="data:image\/png;base64,[^"]+" alt="QR code/, 'the next sign-in shows the enrollment QR');
    });

    test('without an active secret, a password-only token may INIT again and DELETE the pending one', async () => {
      await newUser('gus');
      const token = await passwordToken(pwdApp, 'gus');
      const first = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      const again = await me('POST', token, { action: 'INIT' });
      assert.equal(again.status, 200);
      assert.notEqual(again.body.secret, first, 'a second INIT replaces the pending secret');
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(first, clock.seconds()) })).body, { isValid: false }, 'the replaced pending secret is gone');
      assert.equal((await me('DELETE', token)).status, 204);
      assert.equal((await me('GET', token)).body.status, 'none');
      assert.equal((await me('DELETE', token)).status, 204, 'DELETE of nothing is still 204');
    });

    test('a sign-in older than 5 minutes is not recent enough, and a refreshed token keeps its sign-in time', async () => {
      await newUser('otto');
      const secret = await enrollViaApi(await passwordToken(pwdApp, 'otto'));
      const stale = await mfaTokens('otto', secret);
      clock.advance(301);
      for (const [method, body] of [['DELETE', undefined], ['POST', { action: 'REFRESH' }]] as const) {
        const res = await me(method, stale.tokens.access_token, body);
        assert.equal(res.status, 403, `${method} ${JSON.stringify(body)}`);
        assert.equal(res.body.code, 'insufficient_user_authentication');
      }
      const refreshed = await client.refreshTokenGrant(stale.config, stale.tokens.refresh_token!);
      assert.equal((await me('DELETE', refreshed.access_token)).status, 403, 'refreshing proves nothing new');
      assert.equal((await me('GET', refreshed.access_token)).body.status, 'active');

      const fresh = await mfaTokens('otto', secret);
      clock.advance(240);
      const renewed = await client.refreshTokenGrant(fresh.config, fresh.tokens.refresh_token!);
      assert.equal((await me('POST', renewed.access_token, { action: 'REFRESH' })).status, 200, 'a refreshed token of a recent sign-in carries its otp');
      assert.equal((await me('DELETE', renewed.access_token)).status, 204);
    });

    test('wrong VALIDATE codes count toward the TOTP lock; while it holds even the right code is refused', async () => {
      const user = await newUser('lena');
      const token = await passwordToken(pwdApp, 'lena');
      const secret = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      const wrong = () => codeAt(secret, clock.seconds() + 120);
      for (let i = 0; i < ALLOWED_FAILURES; i++) {
        assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: wrong() })).body, { isValid: false });
      }
      const locked = await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) });
      assert.equal(locked.status, 403);
      assert.equal(locked.body.code, 'totp_locked');
      assert.match(locked.body.message, /Too many incorrect codes.*until \d{4}-\d\d-\d\dT/);
      const state = await me('GET', token);
      assert.equal(state.body.locked, true);
      assert.equal(state.body.status, 'pending', 'the refused code activated nothing');

      await unlock(server.deps, server.tenant.id, user.id, 'totp');
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) })).body, { isValid: true });
    });

    test('a right VALIDATE code resets the count of wrong ones', async () => {
      const user = await newUser('rosa');
      const token = await passwordToken(pwdApp, 'rosa');
      const secret = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      for (let i = 0; i < ALLOWED_FAILURES - 1; i++) {
        assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds() + 120) })).body, { isValid: false });
      }
      assert.equal(await failedAttempts(server.deps, server.tenant.id, user.id, 'totp'), ALLOWED_FAILURES - 1);
      assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) })).body, { isValid: true });
      assert.equal(await failedAttempts(server.deps, server.tenant.id, user.id, 'totp'), 0);
    });

    test('with EnableAccountLockingForFailedAttempts off, wrong VALIDATE codes are not counted', async () => {
      await newUser('nils');
      const token = await passwordToken(pwdApp, 'nils');
      const secret = (await me('POST', token, { action: 'INIT' })).body.secret as string;
      await updateTotpParameters(server.deps, server.tenant.id, { EnableAccountLockingForFailedAttempts: false });
      try {
        for (let i = 0; i < ALLOWED_FAILURES + 1; i++) {
          assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds() + 120) })).body, { isValid: false });
        }
        assert.deepEqual((await me('POST', token, { action: 'VALIDATE', verificationCode: codeAt(secret, clock.seconds()) })).body, { isValid: true });
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { EnableAccountLockingForFailedAttempts: null });
      }
    });

    test('HTTP Basic is refused with 403 before the credentials are even checked', async () => {
      await newUser('basil');
      const attempts = [server.adminAuth, basicAuth('basil', PASSWORD), ...Array.from({ length: ALLOWED_FAILURES + 1 }, () => basicAuth('basil', 'not-the-password'))];
      for (const auth of attempts) {
        for (const [method, body] of [['GET', undefined], ['POST', { action: 'INIT' }], ['POST', { action: 'VALIDATE', verificationCode: '123456' }], ['DELETE', undefined]] as const) {
          const res = await api(server, method, ME, { auth, ...(body ? { body } : {}) });
          assert.equal(res.status, 403, `${method} ${JSON.stringify(body)}`);
          assert.equal(res.body.code, 'basic_auth_not_allowed');
          assert.match(res.body.message, /bearer access token/);
        }
      }
      // The wrong passwords were never judged: basil's password is not locked.
      assert.ok(await passwordToken(pwdApp, 'basil'));
    });

    test('a client-credentials token is refused: it has no user', async () => {
      const res = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(robot.clientId, robot.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'internal_login' }),
      });
      const token = (await res.json()) as { access_token?: string; scope?: string };
      assert.equal(res.status, 200, JSON.stringify(token));
      assert.equal(token.scope, 'internal_login');
      for (const [method, body] of [['GET', undefined], ['POST', { action: 'INIT' }], ['DELETE', undefined]] as const) {
        const out = await me(method, token.access_token!, body);
        assert.equal(out.status, 403, method);
        assert.equal(out.body.code, 'user_token_required');
      }
    });

    test('an application without internal_login cannot ask for it, and its tokens are refused', async () => {
      await newUser('ivy');
      const config = await discover(server.tenant.issuer, plainApp.clientId, plainApp.clientSecret);
      const asked = await authorize(config, new HttpBrowser(), plainApp.redirectUri, { scope: SCOPE });
      assert.equal(asked.callback?.searchParams.get('error'), 'invalid_scope');

      const token = await passwordToken(plainApp, 'ivy', PASSWORD, 'openid');
      const res = await me('GET', token);
      assert.equal(res.status, 403);
      assert.match(res.body.message, /internal_login/);

      // An application that an administrator takes internal_login away from loses it at once.
      const soon = await registerApp(server, { name: 'soon-plain', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/soon/callback' });
      const granted = await passwordToken(soon, 'ivy');
      assert.equal((await me('GET', granted)).status, 200);
      const patched = await api(server, 'PATCH', `/api/server/v1/applications/${soon.id}`, { auth: server.adminAuth, body: { managementScopes: [] } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal((await me('GET', granted)).status, 403);
    });

    test('an admin-scope token is refused, and no path or field reaches another user', async () => {
      const vic = await newUser('vic');
      await enrollViaApi(await passwordToken(pwdApp, 'vic'));

      const adminOnly = await passwordToken(adminWeb, ADMIN.username, ADMIN.password, 'openid internal_user_mgt_view');
      const refused = await me('GET', adminOnly);
      assert.equal(refused.status, 403);
      assert.match(refused.body.message, /internal_login/);

      const admin = await passwordToken(adminSelf, ADMIN.username, ADMIN.password, 'openid internal_user_mgt_view internal_login');
      const own = await me('GET', admin, undefined, `${ME}?userId=${vic.id}&username=vic`);
      assert.equal(own.status, 200);
      assert.equal(own.body.status, 'none', 'the admin sees their own state, not vic\'s');
      assert.equal((await me('POST', admin, { action: 'INIT', userId: vic.id })).status, 400);
      for (const path of [`/api/users/v1/${vic.id}/totp`, `/api/users/v1/vic/totp`, `${ME}/${vic.id}`]) {
        for (const method of ['GET', 'POST', 'DELETE']) {
          assert.equal((await me(method, admin, method === 'POST' ? { action: 'INIT' } : undefined, path)).status, 404, `${method} ${path}`);
        }
      }
      assert.equal((await me('DELETE', admin, undefined, `${ME}?userId=${vic.id}`)).status, 204, 'deletes the admin\'s own (nothing)');
      const vicToken = await passwordToken(pwdApp, 'vic');
      assert.equal((await me('GET', vicToken)).body.status, 'active', 'vic\'s TOTP is untouched');
    });

    test('the API answers under /t/{tenant}/ with that tenant\'s tokens only', async () => {
      await newUser('tess');
      const token = await passwordToken(pwdApp, 'tess');
      const prefixed = await me('GET', token, undefined, `/t/carbon.super${ME}`);
      assert.equal(prefixed.status, 200, JSON.stringify(prefixed.body));
      assert.equal(prefixed.body.status, 'none');

      const owner = { username: 'owner', password: 'owner-Passw0rd!' };
      const created = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: `acme-${dialect}.test`, owner: { ...owner, email: 'owner@acme.test' } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const prefix = `/t/acme-${dialect}.test`;
      assert.equal((await me('GET', token, undefined, `${prefix}${ME}`)).status, 401, 'a carbon.super token means nothing in another tenant');

      const acme = { prefix, auth: basicAuth(owner.username, owner.password) };
      const acmeApp = await registerApp(server, { ...acme, name: 'acme-account', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/acme/callback' });
      await createScimUser(server, { userName: 'tess', password: PASSWORD }, acme);
      const login = await passwordLogin({ issuer: created.body.issuer, clientId: acmeApp.clientId, clientSecret: acmeApp.clientSecret, redirectUri: acmeApp.redirectUri, username: 'tess', password: PASSWORD, scope: SCOPE });
      assert.ok(login.tokens, login.page.slice(0, 300));
      const init = await me('POST', login.tokens.access_token, { action: 'INIT' }, `${prefix}${ME}`);
      assert.equal(init.status, 200, JSON.stringify(init.body));
      assert.equal((await me('GET', login.tokens.access_token)).status, 401, 'nor an acme token in carbon.super');
      assert.equal((await me('GET', token)).body.status, 'none', 'carbon.super\'s tess is untouched');
    });
  });
}
