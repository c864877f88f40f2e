// Revocation: a password change through SCIM, a self-service TOTP removal and a self-service
// replacement of unused backup codes end every session and refresh token of the user, so
// what an attacker may hold stops working at once: the old refresh token is refused and
// the old browser session no longer signs in silently (prompt=none). Changes that do not
// touch a credential revoke nothing. (Admin reset, unlock and sign-out: totp-admin.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { authorize, exchange, oauthError } from '../helpers/oidc-authorize.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { TWO_STEP, manualClock, codeAt, secretFromPage, startTwoStep, submitCode } from '../helpers/totp.js';
import { useChooserApp, startAtChooser, post as postForm, totpThroughChooser, type At } from '../helpers/backup-codes.js';

const PASSWORD = 'revocation-Passw0rd-1';
const NEW_PASSWORD = 'revocation-Passw0rd-2';
const SCIM = 'application/scim+json';

for (const dialect of DIALECTS) {
  describe(`revocation of sessions and refresh tokens (${dialect})`, () => {
    let server: TestServer;
    const clock = manualClock();
    let plain: RegisteredApp; // password only
    let mfa: RegisteredApp; // password then TOTP, internal_login (self-service)

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 } } } });
      plain = await registerApp(server, { name: 'plain', redirectUri: 'http://localhost:8787/plain/callback' });
      mfa = await registerApp(server, { name: 'mfa-self', sequence: TWO_STEP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/mfa/callback' });
    });
    after(() => server.close());

    const userinfoStatus = async (config: client.Configuration, accessToken: string) =>
      (await fetch(config.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${accessToken}` } })).status;

    /** prompt=none in `browser`: the callback's error, or undefined when it signed in silently. */
    async function silent(app: RegisteredApp, browser: HttpBrowser): Promise<string | undefined> {
      const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
      const result = await authorize(config, browser, app.redirectUri, { prompt: 'none' });
      assert.ok(result.callback, `prompt=none ends at the application, stopped at ${result.url}`);
      const error = result.callback.searchParams.get('error') ?? undefined;
      if (!error) assert.ok(result.callback.searchParams.get('code'), 'a code when there is no error');
      return error;
    }

    const scimPut = (id: string, body: Record<string, unknown>) =>
      api(server, 'PUT', `/scim2/Users/${id}`, { auth: server.adminAuth, type: SCIM, body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...body } });

    /** A password sign-in whose refresh token has been used once (it rotates) and whose session signs in silently. */
    async function signedIn(username: string, password = PASSWORD) {
      const browser = new HttpBrowser();
      const login = await passwordLogin({ issuer: server.tenant.issuer, clientId: plain.clientId, clientSecret: plain.clientSecret, redirectUri: plain.redirectUri, username, password, browser });
      assert.ok(login.tokens?.refresh_token, `signed in with a refresh token: ${login.status} ${login.page.slice(0, 200)}`);
      const refreshed = await client.refreshTokenGrant(login.config, login.tokens.refresh_token);
      assert.ok(refreshed.refresh_token, 'the refresh token works before');
      assert.equal(await silent(plain, browser), undefined, 'the session signs in silently before');
      return { browser, config: login.config, refreshToken: refreshed.refresh_token, accessToken: refreshed.access_token };
    }

    test('a new password through SCIM PUT revokes the old refresh token, the access token and the browser session', async () => {
      const user = await createScimUser(server, { userName: 'pia', password: PASSWORD });
      const old = await signedIn('pia');
      const res = await scimPut(user.id, { userName: 'pia', password: NEW_PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));

      assert.equal(await oauthError(client.refreshTokenGrant(old.config, old.refreshToken)), 'invalid_grant', 'the old refresh token is refused');
      assert.equal(await userinfoStatus(old.config, old.accessToken), 401, 'the old access token is refused');
      assert.equal(await silent(plain, old.browser), 'login_required', 'the old session no longer signs in silently');
      const fresh = await passwordLogin({ issuer: server.tenant.issuer, clientId: plain.clientId, clientSecret: plain.clientSecret, redirectUri: plain.redirectUri, username: 'pia', password: NEW_PASSWORD });
      assert.ok(fresh.tokens, 'the new password signs in');
    });

    test('a SCIM PUT without a password keeps the sessions and tokens', async () => {
      const user = await createScimUser(server, { userName: 'pim', password: PASSWORD });
      const current = await signedIn('pim');
      const res = await scimPut(user.id, { userName: 'pim', emails: [{ value: 'pim@example.com', primary: true }] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok((await client.refreshTokenGrant(current.config, current.refreshToken)).access_token, 'the refresh token still works');
      assert.equal(await silent(plain, current.browser), undefined, 'the session still signs in silently');
    });

    test('removing the active TOTP through self-service revokes the old refresh token and the browser session', async () => {
      await createScimUser(server, { userName: 'tom', password: PASSWORD });
      const login = { issuer: server.tenant.issuer, clientId: mfa.clientId, clientSecret: mfa.clientSecret, redirectUri: mfa.redirectUri, username: 'tom', password: PASSWORD, params: { scope: 'openid internal_login' } };
      clock.advance(30);
      const enroll = await startTwoStep(login);
      const secret = secretFromPage(enroll.page);
      const done = await submitCode(enroll.browser, enroll.url, enroll.page, codeAt(secret, clock.seconds()), mfa.redirectUri);
      assert.ok(done.url.startsWith(mfa.redirectUri), done.page.slice(0, 200));
      const tokens = await exchange(enroll.config, { ...enroll.started, callback: new URL(done.url) });
      assert.ok(tokens.refresh_token);
      const refreshed = await client.refreshTokenGrant(enroll.config, tokens.refresh_token);
      assert.equal(await silent(mfa, enroll.browser), undefined, 'the password+TOTP session signs in silently before');

      // A second browser, also signed in: "across the tenant" means every session.
      clock.advance(30);
      const other = await startTwoStep(login);
      const otherDone = await submitCode(other.browser, other.url, other.page, codeAt(secret, clock.seconds()), mfa.redirectUri);
      const otherTokens = await exchange(other.config, { ...other.started, callback: new URL(otherDone.url) });

      const removed = await api(server, 'DELETE', '/api/users/v1/me/totp', { auth: `Bearer ${otherTokens.access_token}` });
      assert.equal(removed.status, 204, JSON.stringify(removed.body));

      assert.equal(await oauthError(client.refreshTokenGrant(enroll.config, refreshed.refresh_token!)), 'invalid_grant', 'the old refresh token is refused');
      assert.equal(await oauthError(client.refreshTokenGrant(other.config, otherTokens.refresh_token!)), 'invalid_grant', 'so is the caller\'s own');
      assert.equal(await silent(mfa, enroll.browser), 'login_required', 'the old session no longer signs in silently');
      assert.equal(await silent(mfa, other.browser), 'login_required');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`revocation after backup codes are replaced (${dialect})`, () => {
    const clock = manualClock();
    const env = useChooserApp(dialect, clock);
    const post = (at: At, fields: Record<string, string>) => postForm(at, fields, env.choice.redirectUri);
    async function silentError(browser: HttpBrowser): Promise<string | undefined> {
      const config = await discover(env.server.tenant.issuer, env.choice.clientId, env.choice.clientSecret);
      const result = await authorize(config, browser, env.choice.redirectUri, { prompt: 'none' });
      assert.ok(result.callback, `prompt=none ends at the application, stopped at ${result.url}`);
      return result.callback.searchParams.get('error') ?? undefined;
    }
    /** Password, "Use your authenticator app", a code of the next time step: tokens with a recent otp. */
    async function totpSignIn(username: string, secret: string) {
      clock.advance(30);
      const step = await startAtChooser(env, username, PASSWORD);
      return { browser: step.browser, config: step.config, tokens: await totpThroughChooser(step, env.choice.redirectUri, secret, clock.seconds()) };
    }
    const newCodes = (token: string) => api(env.server, 'POST', '/api/users/v1/me/backup-codes', { auth: `Bearer ${token}` });

    test('a new set of codes replacing unused ones revokes the old refresh token and session; a first set revokes nothing', async () => {
      const { server } = env;
      await createScimUser(server, { userName: 'bob', password: PASSWORD });
      clock.advance(30);
      const step = await startAtChooser(env, 'bob', PASSWORD);
      const totp = await post(step, { choose: 'totp' });
      const secret = secretFromPage(totp.page);
      const offer = await post(totp, { token: codeAt(secret, clock.seconds()) });
      assert.ok(!offer.reached, 'the enrollment offers backup codes');
      assert.ok((await post(offer, { backupCodes: 'skip' })).reached);

      const first = await totpSignIn('bob', secret);
      assert.equal((await newCodes(first.tokens.access_token)).status, 201, 'a first set');
      const stillThere = await client.refreshTokenGrant(first.config, first.tokens.refresh_token!);
      assert.ok(stillThere.refresh_token, 'a first set replaces nothing and revokes nothing');
      assert.equal(await silentError(first.browser), undefined);

      const second = await totpSignIn('bob', secret);
      const replaced = await newCodes(second.tokens.access_token);
      assert.equal(replaced.status, 201, JSON.stringify(replaced.body));
      assert.equal(replaced.body.backupCodes.length, 10, 'the answer still carries the new codes');
      assert.equal(await oauthError(client.refreshTokenGrant(first.config, stillThere.refresh_token!)), 'invalid_grant', 'the old refresh token is refused');
      assert.equal(await silentError(first.browser), 'login_required', 'the old session no longer signs in silently');
      assert.equal(await silentError(second.browser), 'login_required', 'nor the one that asked for the new set');
    });
  });
}
