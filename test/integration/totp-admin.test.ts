// Administering TOTP over the admin API: the tenant's parameters (GET/PUT), a user's state,
// reset, unlock and sign-out, and who may call them. Driven against a real server with a
// controlled clock, through the real login pages and a real code flow with refresh tokens.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { exchange, oauthError } from '../helpers/oidc-authorize.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep, submitCode } from '../helpers/totp.js';
import { createLogger } from '../../src/logger.js';
import { savePendingTotpCredential } from '../../src/authn/authenticators/totp/totp-credential.repository.js';

const PARAMS = '/api/server/v1/authenticators/totp/parameters';
const ACME = '/t/acme.com';
const OWNER = { username: 'owner', password: 'owner-Passw0rd!' };
const PASSWORD = 'user-Passw0rd-1';
const userPath = (id: string, tail: string) => `/api/server/v1/users/${encodeURIComponent(id)}/${tail}`;
const bearer = (token: string) => `Bearer ${token}`;
const isoAt = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

interface Detail { name: string; value: unknown; source: string; serverValue: unknown; default: unknown; description: string }

async function clientCredentials(server: { url: string }, app: RegisteredApp, scope: string): Promise<string> {
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(encodeURIComponent(app.clientId), encodeURIComponent(app.clientSecret ?? '')), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

for (const dialect of DIALECTS) {
  describe(`TOTP administration (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const clock = manualClock();
    const logs: Array<Record<string, any>> = [];
    const acmeAuth = basicAuth(OWNER.username, OWNER.password);

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
      // The routes read deps.logger per call, so the events they log land here.
      server.deps.logger = createLogger('info', { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, any>); } });
      app = await registerApp(server, { name: `two-step-${dialect}`, sequence: TWO_STEP, grantTypes: ['authorization_code', 'refresh_token'] });
      const tenant = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'acme.com', owner: { ...OWNER, email: 'owner@acme.com' } } });
      assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
    });
    after(() => server.close());

    const login = (username: string) => ({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username, password: PASSWORD });

    /** A new user enrolls in a sign-in; returns the secret and the tokens of that sign-in. */
    async function enrolledUser(username: string) {
      const user = await createScimUser(server, { userName: username, password: PASSWORD });
      const first = await startTwoStep(login(username));
      const secret = secretFromPage(first.page);
      const done = await submitCode(first.browser, first.url, first.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), `enrolled and reached the app, stopped at ${done.url}`);
      const tokens = await exchange(first.config, { ...first.started, callback: new URL(done.url) });
      assert.ok(tokens.refresh_token, 'the application has the refresh_token grant');
      return { user, secret, tokens, config: first.config, browser: first.browser };
    }

    const state = async (id: string) => {
      const res = await api(server, 'GET', userPath(id, 'totp'), { auth: server.adminAuth });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    const userinfoStatus = async (config: client.Configuration, accessToken: string) =>
      (await fetch(config.serverMetadata().userinfo_endpoint!, { headers: { authorization: bearer(accessToken) } })).status;

    test('GET parameters answers every effective value with its source; PUT overrides this tenant only and null removes the override', async () => {
      const initial = await api(server, 'GET', PARAMS, { auth: server.adminAuth });
      assert.equal(initial.status, 200, JSON.stringify(initial.body));
      assert.equal(initial.body.parameters.windowSize, 3);
      assert.equal(initial.body.parameters.timeStepSize, 30);
      assert.equal(initial.body.parameters.digits, 6);
      assert.equal(initial.body.parameters.algorithm, 'SHA1');
      assert.equal(initial.body.parameters.PreventTOTPCodeReuse, true);
      const window = (initial.body.details as Detail[]).find((d) => d.name === 'windowSize')!;
      assert.deepEqual({ value: window.value, source: window.source, serverValue: window.serverValue, default: window.default }, { value: 3, source: 'server', serverValue: 3, default: 3 });
      assert.match(window.description, /time steps/);
      assert.deepEqual(Object.keys(initial.body.parameters).sort(), (initial.body.details as Detail[]).map((d) => d.name).sort());

      const put = await api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { windowSize: 5, Issuer: 'Example Corp', UseCommonIssuer: true } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.parameters.windowSize, 5);
      assert.equal(put.body.parameters.Issuer, 'Example Corp');
      assert.equal((put.body.details as Detail[]).find((d) => d.name === 'windowSize')!.source, 'tenant');
      assert.equal((put.body.details as Detail[]).find((d) => d.name === 'timeStepSize')!.source, 'server', 'keys left out keep their value');
      // The default tenant answers under /t/carbon.super too, with the same values.
      assert.equal((await api(server, 'GET', `/t/carbon.super${PARAMS}`, { auth: server.adminAuth })).body.parameters.windowSize, 5);

      const acme = await api(server, 'GET', `${ACME}${PARAMS}`, { auth: acmeAuth });
      assert.equal(acme.status, 200, JSON.stringify(acme.body));
      assert.equal(acme.body.parameters.windowSize, 3, 'carbon.super\'s change does not reach acme.com');
      assert.equal(acme.body.parameters.Issuer, '');
      const acmePut = await api(server, 'PUT', `${ACME}${PARAMS}`, { auth: acmeAuth, body: { digits: 8 } });
      assert.equal(acmePut.status, 200, JSON.stringify(acmePut.body));
      assert.equal(acmePut.body.parameters.digits, 8);
      assert.equal((await api(server, 'GET', PARAMS, { auth: server.adminAuth })).body.parameters.digits, 6, 'acme.com\'s change does not reach carbon.super');

      const cleared = await api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { windowSize: null, Issuer: null, UseCommonIssuer: null } });
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.ok((cleared.body.details as Detail[]).every((d) => d.source === 'server'), 'no override is left');
      assert.equal(cleared.body.parameters.windowSize, 3);
      const event = logs.find((l) => l.event === 'totp_parameters_updated' && l.changes?.windowSize === 5);
      assert.ok(event, 'the change is logged');
      assert.deepEqual(event.actor, { kind: 'user', id: event.actor.id, username: 'admin' });
      await api(server, 'PUT', `${ACME}${PARAMS}`, { auth: acmeAuth, body: { digits: null } });
    });

    test('PUT refuses unknown keys, wrong types and digits 7 with 400 naming each problem, and saves nothing', async () => {
      const cases: Array<{ body: unknown; messages: RegExp[] }> = [
        { body: { windwSize: 3 }, messages: [/"windwSize" is not a TOTP parameter \(known: timeStepSize, windowSize/] },
        { body: { windowSize: '3' }, messages: [/windowSize must be a whole number, got "3"/] },
        { body: { PreventTOTPCodeReuse: 'no' }, messages: [/PreventTOTPCodeReuse must be true or false/] },
        { body: { digits: 7 }, messages: [/digits must be one of 6, 8, got 7/] },
        { body: { algorithm: 'MD5' }, messages: [/algorithm must be one of SHA1, SHA256, SHA512/] },
        { body: { timeStepSize: 0 }, messages: [/timeStepSize must be at least 1/] },
        { body: { digits: 7, windowSize: 1, colour: 'red' }, messages: [/digits must be one of 6, 8/, /"colour" is not a TOTP parameter/] },
        { body: [1, 2], messages: [/must be a JSON object of TOTP parameters/] },
        { body: 'null', messages: [/must be a JSON object of TOTP parameters/] },
        { body: '{"windowSize": ', messages: [/./] },
      ];
      for (const c of cases) {
        const res = await api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: c.body });
        assert.equal(res.status, 400, `${JSON.stringify(c.body)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'invalid_request');
        for (const m of c.messages) assert.match(res.body.message, m, JSON.stringify(c.body));
      }
      const after = await api(server, 'GET', PARAMS, { auth: server.adminAuth });
      assert.equal(after.body.parameters.windowSize, 3, 'a body with one bad key saves none of its keys');
      assert.ok((after.body.details as Detail[]).every((d) => d.source === 'server'));
    });

    test('windowSize 1 set through the API makes the login refuse the previous step\'s code; removing it accepts it again', async () => {
      const { secret } = await enrolledUser(`wendy-${dialect}`);
      clock.advance(90);
      assert.equal((await api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { windowSize: 1 } })).status, 200);
      const narrow = await startTwoStep(login(`wendy-${dialect}`));
      const previous = await submitCode(narrow.browser, narrow.url, narrow.page, codeAt(secret, clock.seconds() - 30), app.redirectUri);
      assert.equal(previous.status, 400, 'the previous step is outside a window of 1');
      assert.match(previous.page, /not correct/);
      const current = await submitCode(narrow.browser, narrow.url, previous.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(current.url.startsWith(app.redirectUri), `the current step passes, stopped at ${current.url}`);

      assert.equal((await api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { windowSize: null } })).status, 200);
      clock.advance(90);
      const wide = await startTwoStep(login(`wendy-${dialect}`));
      const again = await submitCode(wide.browser, wide.url, wide.page, codeAt(secret, clock.seconds() - 30), app.redirectUri);
      assert.ok(again.url.startsWith(app.redirectUri), `the server's window of 3 accepts the previous step again, stopped at ${again.url}`);
    });

    test('the state goes from none to active with enrollment, shows a pending secret, and a pending self-service secret shows as pending', async () => {
      const fresh = await createScimUser(server, { userName: `nora-${dialect}`, password: PASSWORD });
      assert.deepEqual(await state(fresh.id), {
        userId: fresh.id, username: `nora-${dialect}`, status: 'none', pendingReplacement: false, locked: false, lockedUntil: null,
        enrolledAt: null, algorithm: null, digits: null, period: null, backupCodesRemaining: 0,
      });
      const enrolledAt = clock.seconds();
      const { user } = await enrolledUser(`ada-${dialect}`);
      const active = await state(user.id);
      assert.equal(active.status, 'active');
      assert.equal(active.enrolledAt, isoAt(enrolledAt));
      assert.deepEqual([active.algorithm, active.digits, active.period, active.locked], ['SHA1', 6, 30, false]);

      // A self-service enrollment that waits for its first code.
      await savePendingTotpCredential(server.deps.store.db, {
        tenant_id: server.tenant.id, user_id: fresh.id, secret: server.deps.secrets.seal('JBSWY3DPEHPK3PXP'),
        algorithm: 'SHA256', digits: 8, period: 60, created_at: clock.seconds(),
      });
      const pending = await state(fresh.id);
      assert.deepEqual([pending.status, pending.algorithm, pending.digits, pending.period, pending.enrolledAt], ['pending', 'SHA256', 8, 60, null]);
    });

    test('wrong codes lock the TOTP step; the admin unlock lets the next correct code pass and revokes the user\'s tokens', async () => {
      const username = `lena-${dialect}`;
      const { user, secret, tokens, config } = await enrolledUser(username);
      clock.advance(30);
      const attempt = await startTwoStep(login(username));
      let page = attempt.page;
      for (let i = 0; i < 5; i++) {
        const wrong = await submitCode(attempt.browser, attempt.url, page, codeAt(secret, clock.seconds() + 600 + i * 30), app.redirectUri);
        assert.equal(wrong.status, 400);
        page = wrong.page;
      }
      const locked = await state(user.id);
      assert.equal(locked.locked, true);
      assert.equal(locked.lockedUntil, isoAt(clock.seconds() + 5 * 60), 'the first lock lasts auto_unlock_after minutes');
      const refused = await submitCode(attempt.browser, attempt.url, page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(!refused.url.startsWith(app.redirectUri), 'a correct code does not pass while locked');
      assert.match(refused.page, /Too many incorrect codes/);

      const unlocked = await api(server, 'POST', userPath(user.id, 'unlock'), { auth: server.adminAuth });
      assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
      assert.deepEqual({ ...unlocked.body, revoked: undefined }, { userId: user.id, username, factor: 'all', wasLocked: ['totp'], revoked: undefined });
      assert.ok(unlocked.body.revoked > 0, 'the sign-in\'s grant and tokens were revoked');
      assert.equal((await state(user.id)).locked, false);
      assert.equal(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!)), 'invalid_grant', 'an unlock revokes the refresh token');
      assert.equal(await userinfoStatus(config, tokens.access_token), 401, 'and the access token');

      const next = await startTwoStep(login(username));
      const ok = await submitCode(next.browser, next.url, next.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(ok.url.startsWith(app.redirectUri), `the next correct code passes, stopped at ${ok.url}: ${ok.page.slice(0, 200)}`);

      const event = logs.find((l) => l.event === 'admin_user_unlocked' && l.target?.userId === user.id);
      assert.ok(event, 'the unlock is logged');
      assert.equal(event.actor.username, 'admin');
      assert.deepEqual(event.target, { userId: user.id, username });
    });

    test('unlock takes an optional factor: an alias unlocks that factor only; anything else is 400', async () => {
      const user = await createScimUser(server, { userName: `ulla-${dialect}`, password: PASSWORD });
      const basic = await api(server, 'POST', userPath(user.id, 'unlock'), { auth: server.adminAuth, body: { factor: 'basic' } });
      assert.equal(basic.status, 200, JSON.stringify(basic.body));
      assert.equal(basic.body.factor, 'BasicAuthenticator');
      assert.deepEqual(basic.body.wasLocked, []);
      assert.equal((await api(server, 'POST', userPath(user.id, 'unlock'), { auth: server.adminAuth, body: { factor: 'totp' } })).body.factor, 'totp');
      for (const [body, message] of [
        [{ factor: 'sms' }, /factor must be one of BasicAuthenticator, totp/],
        [{ factor: 3 }, /factor must be one of/],
        [{ factors: ['totp'] }, /unknown field "factors"/],
        [[], /must be empty or a JSON object/],
      ] as const) {
        const res = await api(server, 'POST', userPath(user.id, 'unlock'), { auth: server.adminAuth, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.message, message);
      }
    });

    test('a reset revokes the user\'s tokens and session, and the next sign-in shows the QR code again', async () => {
      const username = `rita-${dialect}`;
      const { user, tokens, config, browser } = await enrolledUser(username);
      // The refresh token works before the reset (and rotates).
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.ok(refreshed.refresh_token);
      assert.equal(await userinfoStatus(config, refreshed.access_token), 200);

      const reset = await api(server, 'DELETE', userPath(user.id, 'totp'), { auth: server.adminAuth });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal(reset.body.removed, true);
      assert.ok(reset.body.revoked > 0);
      assert.equal((await state(user.id)).status, 'none');
      assert.equal(await oauthError(client.refreshTokenGrant(config, refreshed.refresh_token!)), 'invalid_grant', 'the refresh token is revoked');
      assert.equal(await userinfoStatus(config, refreshed.access_token), 401, 'the access token is revoked');
      assert.equal(await userinfoStatus(config, tokens.access_token), 401);

      // The same browser: its session is gone, so the password is asked again, then the QR.
      clock.advance(30);
      const again = await startTwoStep({ ...login(username), browser });
      assert.equal(again.status, 200, 'no single sign-on: the session was ended');
      assert.match(again.page, /<img src="data:image\/png;base64,[^"]+" alt="QR code/);
      assert.notEqual(secretFromPage(again.page), undefined);

      const event = logs.find((l) => l.event === 'admin_totp_reset' && l.target?.userId === user.id);
      assert.ok(event, 'the reset is logged');
      assert.deepEqual(event.target, { userId: user.id, username });
      assert.equal(event.actor.kind, 'user');

      const twice = await api(server, 'DELETE', userPath(user.id, 'totp'), { auth: server.adminAuth });
      assert.equal(twice.status, 200);
      assert.equal(twice.body.removed, false, 'a second reset finds nothing to remove');
    });

    test('a reset clears a TOTP lock, so the user can enroll again', async () => {
      const username = `lars-${dialect}`;
      const { user, secret } = await enrolledUser(username);
      clock.advance(30);
      const attempt = await startTwoStep(login(username));
      let page = attempt.page;
      for (let i = 0; i < 5; i++) page = (await submitCode(attempt.browser, attempt.url, page, codeAt(secret, clock.seconds() + 900 + i * 30), app.redirectUri)).page;
      assert.equal((await state(user.id)).locked, true);
      assert.equal((await api(server, 'DELETE', userPath(user.id, 'totp'), { auth: server.adminAuth })).status, 200);
      const fresh = await startTwoStep(login(username));
      const newSecret = secretFromPage(fresh.page);
      const done = await submitCode(fresh.browser, fresh.url, fresh.page, codeAt(newSecret, clock.seconds()), app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), `enrolled again, stopped at ${done.url}: ${done.page.slice(0, 200)}`);
    });

    test('sign-out ends every session and token of the user', async () => {
      const username = `sam-${dialect}`;
      const { user, tokens, config } = await enrolledUser(username);
      const res = await api(server, 'POST', userPath(user.id, 'sign-out'), { auth: server.adminAuth });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.revoked > 0);
      assert.equal(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!)), 'invalid_grant');
      assert.equal(await userinfoStatus(config, tokens.access_token), 401);
      assert.equal((await state(user.id)).status, 'active', 'signing out keeps the TOTP');
      assert.ok(logs.some((l) => l.event === 'admin_user_signed_out' && l.target?.userId === user.id));
    });

    test('a sign-in left open after the password step cannot finish once the user is signed out everywhere', async () => {
      const username = `paula-${dialect}`;
      const { user, secret } = await enrolledUser(username);
      clock.advance(30);
      const open = await startTwoStep(login(username));
      assert.match(open.page, /Verification code/, 'the TOTP page, after the password');
      assert.equal((await api(server, 'POST', userPath(user.id, 'sign-out'), { auth: server.adminAuth })).status, 200);
      const after = await submitCode(open.browser, open.url, open.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(!after.url.startsWith(app.redirectUri), 'no code for the application');
      assert.equal(after.status, 400);
      assert.match(after.page, /expired/);
    });

    test('an empty code is asked again and not counted: more empty posts than the lock allows, then the right code passes', async () => {
      const username = `ema-${dialect}`;
      const { user, secret } = await enrolledUser(username);
      clock.advance(30);
      const attempt = await startTwoStep(login(username));
      let page = attempt.page;
      for (let i = 0; i < 7; i++) {
        const empty = await submitCode(attempt.browser, attempt.url, page, '  ', app.redirectUri);
        assert.equal(empty.status, 400);
        assert.match(empty.page, /Enter the code your authenticator app shows/);
        page = empty.page;
      }
      assert.equal((await state(user.id)).locked, false);
      const done = await submitCode(attempt.browser, attempt.url, page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), `signed in, stopped at ${done.url}: ${done.page.slice(0, 200)}`);
    });

    test('an unknown user and another tenant\'s user are 404, and the other tenant\'s user is untouched', async () => {
      for (const [method, tail] of [['GET', 'totp'], ['DELETE', 'totp'], ['POST', 'unlock'], ['POST', 'sign-out']] as const) {
        const res = await api(server, method, userPath('no-such-user', tail), { auth: server.adminAuth });
        assert.equal(res.status, 404, `${method} ${tail}`);
        assert.equal(res.body.code, 'not_found');
      }
      const { user: carbonUser } = await enrolledUser(`cara-${dialect}`);
      const acmeUser = await createScimUser(server, { userName: `cara-${dialect}`, password: PASSWORD }, { prefix: ACME, auth: acmeAuth });
      for (const [method, tail] of [['GET', 'totp'], ['DELETE', 'totp'], ['POST', 'unlock'], ['POST', 'sign-out']] as const) {
        const fromAcme = await api(server, method, `${ACME}${userPath(carbonUser.id, tail)}`, { auth: acmeAuth });
        assert.equal(fromAcme.status, 404, `acme.com's owner on carbon.super's user: ${method} ${tail}`);
        const fromCarbon = await api(server, method, userPath(acmeUser.id, tail), { auth: server.adminAuth });
        assert.equal(fromCarbon.status, 404, `carbon.super's admin on acme.com's user: ${method} ${tail}`);
      }
      assert.equal((await state(carbonUser.id)).status, 'active', 'acme.com\'s DELETE did not reset carbon.super\'s user');
      const own = await api(server, 'GET', `${ACME}${userPath(acmeUser.id, 'totp')}`, { auth: acmeAuth });
      assert.equal(own.status, 200);
      assert.equal(own.body.status, 'none');
    });

    test('callers without the scope get 403: an ordinary user, and tokens that carry only the view scopes', async () => {
      const target = await createScimUser(server, { userName: `tom-${dialect}`, password: PASSWORD });
      const writes: Array<[string, string, unknown?]> = [
        ['PUT', PARAMS, { windowSize: 1 }],
        ['DELETE', userPath(target.id, 'totp')],
        ['POST', userPath(target.id, 'unlock')],
        ['POST', userPath(target.id, 'sign-out')],
      ];
      const reads: Array<[string, string]> = [['GET', PARAMS], ['GET', userPath(target.id, 'totp')]];

      for (const [method, path] of [...reads, ...writes]) {
        assert.equal((await api(server, method, path)).status, 401, `no credentials: ${method} ${path}`);
      }
      const ordinary = basicAuth(`tom-${dialect}`, PASSWORD);
      for (const [method, path, body] of [...reads, ...writes]) {
        assert.equal((await api(server, method, path, { auth: ordinary, body })).status, 403, `ordinary user: ${method} ${path}`);
      }

      const viewer = await registerApp(server, { name: `viewer-${dialect}`, grantTypes: ['client_credentials'], managementScopes: ['internal_authenticator_view', 'internal_user_mgt_view'] });
      const viewToken = bearer(await clientCredentials(server, viewer, 'internal_authenticator_view internal_user_mgt_view'));
      for (const [method, path] of reads) {
        assert.equal((await api(server, method, path, { auth: viewToken })).status, 200, `view token: ${method} ${path}`);
      }
      for (const [method, path, body] of writes) {
        const res = await api(server, method, path, { auth: viewToken, body });
        assert.equal(res.status, 403, `view token: ${method} ${path}`);
        assert.match(res.body.message, method === 'PUT' ? /internal_authenticator_update/ : /internal_user_mgt_update/);
      }
      assert.equal((await api(server, 'GET', PARAMS, { auth: server.adminAuth })).body.parameters.windowSize, 3, 'the refused PUT changed nothing');

      // The new update scope can be given to a management application, and works.
      const editor = await registerApp(server, { name: `editor-${dialect}`, grantTypes: ['client_credentials'], managementScopes: ['internal_authenticator_update'] });
      const editToken = bearer(await clientCredentials(server, editor, 'internal_authenticator_update'));
      const put = await api(server, 'PUT', PARAMS, { auth: editToken, body: { windowSize: 5 } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const event = logs.find((l) => l.event === 'totp_parameters_updated' && l.actor?.kind === 'application');
      assert.equal(event?.actor.id, editor.clientId, 'the application is logged as the actor');
      assert.equal((await api(server, 'PUT', PARAMS, { auth: editToken, body: { windowSize: null } })).status, 200);
    });
  });
}
