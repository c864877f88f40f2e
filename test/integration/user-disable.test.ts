// Disabling an account (SCIM `active`, RFC 7643 §4.1.1): a disabled user cannot sign in,
// its sessions and tokens stop working at once, and neither its password nor its admin
// role opens the API. The page says "disabled" only after the right password.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { HttpBrowser, pageError } from '../helpers/http-browser.js';
import { oauthError } from '../helpers/oidc-authorize.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GENERIC_FAILURE = 'The username or password is incorrect. After several failed attempts the account is locked for a while.';

for (const dialect of DIALECTS) {
  describe(`disabled accounts (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const scim = (method: string, path: string, body?: unknown) =>
      api(server, method, path, { auth: server.adminAuth, type: 'application/scim+json', body });
    const login = (username: string, password: string, browser?: HttpBrowser) => passwordLogin({
      issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username, password, browser,
    });
    /** PUT of the user as GET shows it, with `changes` over it. */
    const put = async (id: string, changes: Record<string, unknown>) => {
      const { body: current } = await scim('GET', `/scim2/Users/${id}`);
      const { id: _id, meta: _meta, ...rest } = current;
      return scim('PUT', `/scim2/Users/${id}`, { ...rest, ...changes });
    };

    before(async () => {
      server = await startServer({ dialect });
      app = await registerApp(server);
    });
    after(() => server.close());

    test('users are active unless created or replaced with active false; a PUT without active leaves it as it is', async () => {
      const created = await createScimUser(server, { userName: 'ines', password: 'ines-password-1' });
      assert.equal((await scim('GET', `/scim2/Users/${created.id}`)).body.active, true);
      const disabled = await put(created.id, { active: false });
      assert.equal(disabled.status, 200);
      assert.equal(disabled.body.active, false);
      const { body: { id: _id, meta: _meta, active: _active, ...withoutActive } } = await scim('GET', `/scim2/Users/${created.id}`);
      const replaced = await scim('PUT', `/scim2/Users/${created.id}`, withoutActive);
      assert.equal(replaced.body.active, false, 'a client that never sends active does not re-enable the account');
      assert.equal((await put(created.id, { active: true })).body.active, true);

      const born = await scim('POST', '/scim2/Users', { schemas: [USER_SCHEMA], userName: 'jonas', password: 'jonas-password-1', active: false });
      assert.equal(born.status, 201);
      assert.equal(born.body.active, false);
      const bad = await put(created.id, { active: 'no' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.detail, /active must be true or false/);
    });

    test('a disabled user with the right password gets an error page saying so and no code; a wrong password gets the generic message', async () => {
      const user = await createScimUser(server, { userName: 'kira', password: 'kira-password-1' });
      await put(user.id, { active: false });
      const right = await login('kira', 'kira-password-1');
      assert.equal(right.tokens, undefined, 'no tokens');
      assert.ok(!right.url.startsWith(app.redirectUri), 'never sent back to the application');
      assert.match(right.page, /This account is disabled/);
      const wrong = await login('kira', 'not-kiras-password');
      assert.equal(wrong.tokens, undefined);
      assert.equal(pageError(wrong.page), GENERIC_FAILURE, 'a guesser learns nothing about the account');
      assert.doesNotMatch(wrong.page, /disabled/);

      await put(user.id, { active: true });
      assert.ok((await login('kira', 'kira-password-1')).tokens, 'enabled again, the same password signs in');
    });

    test('disabling ends what the user already holds: refresh token, access token and the browser session', async () => {
      const user = await createScimUser(server, { userName: 'lena', password: 'lena-password-1' });
      const browser = new HttpBrowser();
      const first = await login('lena', 'lena-password-1', browser);
      assert.ok(first.tokens?.refresh_token, 'signed in with a refresh token');
      const sub = first.tokens.claims()!.sub;
      await client.fetchUserInfo(first.config, first.tokens.access_token, sub);

      assert.equal((await put(user.id, { active: false })).status, 200);
      assert.equal(await oauthError(client.refreshTokenGrant(first.config, first.tokens.refresh_token)), 'invalid_grant');
      assert.equal(await oauthError(client.fetchUserInfo(first.config, first.tokens.access_token, sub)), 'invalid_token');
      // Single sign-on in the same browser: the login page again, not a code.
      const again = await login('lena', 'wrong-password-on-purpose', browser);
      assert.equal(again.tokens, undefined, 'the old browser session does not sign the user in');
      assert.equal(pageError(again.page), GENERIC_FAILURE, 'it is the login page');

      const events = await api(server, 'GET', `/api/server/v1/audit-logs?userId=${user.id}&type=user_updated`, { auth: server.adminAuth });
      assert.equal(events.status, 200);
      const [latest] = events.body.events as { details?: { sessionsRevoked?: boolean; changed?: unknown } }[];
      assert.equal(latest?.details?.sessionsRevoked, true, 'the audit log says the sessions were revoked');
    });

    test('an account disabled while its session lives on (the race before revocation) gets the disabled page from single sign-on, not a code', async () => {
      await createScimUser(server, { userName: 'nadia', password: 'nadia-password-1' });
      const browser = new HttpBrowser();
      assert.ok((await login('nadia', 'nadia-password-1', browser)).tokens, 'signed in: the browser holds a session');
      // The flag flips without the revocation that disabling does, as a node may see it
      // between the two: the session would satisfy every step of another application.
      await server.deps.store.db.updateTable('app_user').set({ active: 0 }).where('tenant_id', '=', server.tenant.id).where('username', '=', 'nadia').execute();
      const other = await registerApp(server, { name: 'second-app', redirectUri: 'http://localhost:8787/second/callback' });
      const config = await discover(server.tenant.issuer, other.clientId, other.clientSecret);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: other.redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      });
      const { url: landed, res } = await browser.follow(url.href, {}, (u) => u.startsWith(other.redirectUri));
      assert.ok(!landed.startsWith(other.redirectUri) || !new URL(landed).searchParams.has('code'), 'no code');
      assert.ok(res.status < 500, `not a server error: ${res.status}`);
      assert.match(await res.text(), /This account is disabled/);
    });

    test('a disabled administrator\'s password and bearer token open nothing', async () => {
      const admin = await createScimUser(server, { userName: 'mona', password: 'mona-password-1', roles: ['admin'] });
      const auth = basicAuth('mona', 'mona-password-1');
      assert.equal((await api(server, 'GET', '/api/server/v1/applications', { auth })).status, 200);
      await put(admin.id, { active: false });
      const refused = await api(server, 'GET', '/api/server/v1/applications', { auth });
      assert.equal(refused.status, 401);
      assert.match(JSON.stringify(refused.body), /disabled/);
      const wrong = await api(server, 'GET', '/api/server/v1/applications', { auth: basicAuth('mona', 'not-monas-password') });
      assert.equal(wrong.status, 401);
      assert.doesNotMatch(JSON.stringify(wrong.body), /disabled/, 'only the right password learns that');
    });
  });
}
