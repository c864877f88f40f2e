// Tenants are isolated under /t/{tenant}/: users, sessions and cookies, issuer and keys,
// tokens, and the admin API. carbon.super (the default tenant) and acme.com share one
// server; the same username lives in both with different passwords.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basicAuth, ADMIN, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type ApiResponse, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { passwordLogin } from '../helpers/oidc-login.js';

const ACME = 'acme.com';
const ACME_PREFIX = `/t/${ACME}`;
const OWNER = { username: 'owner', password: 'owner-Passw0rd!' };
const CARBON_ALICE = 'carbon-alice-Passw0rd';
const ACME_ALICE = 'acme-alice-Passw0rd';
const VIEW = 'internal_application_mgt_view';
const APPS = '/api/server/v1/applications';
const ACME_LOGIN_PAGE = /^\/t\/acme\.com\/authenticationendpoint\/[^/?#]+$/;

const bearer = (token: string) => `Bearer ${token}`;

/** An authorization request (code + PKCE S256) followed with `browser` until the callback or a page. */
async function authorize(browser: HttpBrowser, base: string, app: RegisteredApp, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'st4te-value',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGrSFpuBDs', // S256 of RFC 7636's example verifier
    code_challenge_method: 'S256',
    ...extra,
  });
  const { url, res } = await browser.follow(`${base}/oauth2/authorize?${params}`, {}, (u) => u.startsWith(app.redirectUri));
  const callback = url.startsWith(app.redirectUri) ? new URL(url) : undefined;
  return { url, status: res.status, callback, html: callback ? '' : await res.text() };
}

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, headers: res.headers };
}

describe('tenant isolation between carbon.super and acme.com', () => {
  let server: TestServer;
  let base: string;
  let acmeBase: string;
  let created: ApiResponse;
  const acmeAuth = basicAuth(OWNER.username, OWNER.password);
  let carbonApp: RegisteredApp;
  let carbonMgmt: RegisteredApp;
  let acmeApp: RegisteredApp;
  let carbonAlice: { id: string };
  let acmeAlice: { id: string };

  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
    base = server.url;
    acmeBase = `${base}${ACME_PREFIX}`;
    created = await api(server, 'POST', '/api/server/v1/tenants', {
      auth: server.adminAuth,
      body: { domain: ACME, owner: { username: OWNER.username, password: OWNER.password, email: 'owner@acme.com' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    carbonApp = await registerApp(server, { name: 'carbon-portal', redirectUri: 'http://localhost:8787/carbon/callback' });
    carbonMgmt = await registerApp(server, { name: 'carbon-robot', grantTypes: ['client_credentials'], managementScopes: [VIEW] });
    carbonAlice = await createScimUser(server, { userName: 'alice', password: CARBON_ALICE, email: 'alice@carbon.example' });
    const acme = { prefix: ACME_PREFIX, auth: acmeAuth };
    acmeApp = await registerApp(server, { ...acme, name: 'acme-portal', redirectUri: 'http://localhost:8787/acme/callback' });
    acmeAlice = await createScimUser(server, { userName: 'alice', password: ACME_ALICE, email: 'alice@acme.example' }, acme);
  });
  after(() => server.close());

  test('the super administrator creates acme.com with its own issuer under /t/acme.com', () => {
    assert.equal(created.body.domain, ACME);
    assert.equal(created.body.issuer, `${base}/t/acme.com/oauth2/token`);
    assert.equal(created.body.owners[0].username, OWNER.username);
    assert.match(created.headers.get('location') ?? '', /\/api\/server\/v1\/tenants\//);
  });

  test('a tenant owner cannot create or list tenants', async () => {
    const res = await api(server, 'POST', `${ACME_PREFIX}/api/server/v1/tenants`, { auth: acmeAuth, body: { domain: 'evil.example', owner: { username: 'x', password: 'x-Passw0rd!' } } });
    assert.equal(res.status, 403);
    assert.equal((await api(server, 'GET', `${ACME_PREFIX}/api/server/v1/tenants`, { auth: acmeAuth })).status, 403);
  });

  test('a tenant owner\'s profile is checked as SCIM checks it: a bad email or an overlong name creates no tenant', async () => {
    for (const owner of [
      { username: 'o', password: 'owner-Passw0rd!', email: 'owner at example.com' },
      { username: 'o', password: 'owner-Passw0rd!', email: 'o@example.com', firstname: 'x'.repeat(300) },
    ]) {
      const res = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'badowner.example', owner } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.message, /is not an email address|given_name \(SCIM name.givenName\) must be a string of at most 255/);
      assert.equal((await fetch(`${base}/t/badowner.example/oauth2/token/.well-known/openid-configuration`)).status, 404, 'no tenant was left behind');
    }
  });

  test('acme.com discovery answers at both forms with its own issuer and endpoints', async () => {
    const issuer = `${base}/t/acme.com/oauth2/token`;
    for (const url of [`${issuer}/.well-known/openid-configuration`, `${acmeBase}/.well-known/openid-configuration`]) {
      const { status, body } = await json(url);
      assert.equal(status, 200, url);
      assert.equal(body.issuer, issuer, url);
      assert.equal(body.authorization_endpoint, `${acmeBase}/oauth2/authorize`);
      assert.equal(body.token_endpoint, `${acmeBase}/oauth2/token`);
      assert.equal(body.userinfo_endpoint, `${acmeBase}/oauth2/userinfo`);
      assert.equal(body.jwks_uri, `${acmeBase}/oauth2/jwks`);
    }
  });

  test('the default tenant answers at / and at /t/carbon.super/ with the same issuer', async () => {
    const issuer = `${base}/oauth2/token`;
    const urls = [
      `${base}/.well-known/openid-configuration`,
      `${base}/oauth2/token/.well-known/openid-configuration`,
      `${base}/t/carbon.super/.well-known/openid-configuration`,
      `${base}/t/carbon.super/oauth2/token/.well-known/openid-configuration`,
    ];
    for (const url of urls) {
      const { status, body } = await json(url);
      assert.equal(status, 200, url);
      assert.equal(body.issuer, issuer, url);
      assert.equal(body.jwks_uri, `${base}/oauth2/jwks`, url);
      assert.equal(body.authorization_endpoint, `${base}/oauth2/authorize`, url);
    }
    // The admin API answers under /t/carbon.super/ too, with the same data.
    const prefixed = await api(server, 'GET', `/t/carbon.super${APPS}`, { auth: server.adminAuth });
    assert.equal(prefixed.status, 200);
    assert.ok(prefixed.body.applications.some((a: { id: string }) => a.id === carbonApp.id));
  });

  test('an unknown tenant is 404, never 500', async () => {
    const authz = await fetch(`${base}/t/nope.example/oauth2/authorize?client_id=${carbonApp.clientId}&redirect_uri=${encodeURIComponent(carbonApp.redirectUri)}&response_type=code&scope=openid`, { redirect: 'manual' });
    assert.equal(authz.status, 404);
    assert.equal(authz.headers.get('location'), null);
    assert.equal((await fetch(`${base}/t/nope.example/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${base}/t/nope.example/oauth2/token/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${base}/t/nope.example/oauth2/jwks`)).status, 404);
    assert.equal((await fetch(`${base}/t/nope.example/authenticationendpoint/abc`)).status, 404);
    const apiRes = await api(server, 'GET', `/t/nope.example${APPS}`, { auth: server.adminAuth });
    assert.equal(apiRes.status, 404);
    assert.equal(apiRes.body.applications, undefined);
  });

  test('the two tenants sign with different keys', async () => {
    const carbon = await json(`${base}/oauth2/jwks`);
    const acme = await json(`${acmeBase}/oauth2/jwks`);
    assert.equal(carbon.status, 200);
    assert.equal(acme.status, 200);
    const kids = (jwks: { keys: Array<{ kid: string }> }) => jwks.keys.map((k) => k.kid);
    assert.ok(kids(carbon.body).length > 0 && kids(acme.body).length > 0);
    assert.deepEqual(kids(carbon.body).filter((k) => kids(acme.body).includes(k)), []);
    const material = (jwks: { keys: Array<Record<string, string>> }) => jwks.keys.map((k) => k.n ?? k.x);
    assert.deepEqual(material(carbon.body).filter((m) => material(acme.body).includes(m)), []);
  });

  test('the same username signs in to each tenant only with that tenant\'s password, as a different subject', async () => {
    const carbon = await passwordLogin({ issuer: `${base}/oauth2/token`, clientId: carbonApp.clientId, clientSecret: carbonApp.clientSecret, redirectUri: carbonApp.redirectUri, username: 'alice', password: CARBON_ALICE });
    const acme = await passwordLogin({ issuer: `${acmeBase}/oauth2/token`, clientId: acmeApp.clientId, clientSecret: acmeApp.clientSecret, redirectUri: acmeApp.redirectUri, username: 'alice', password: ACME_ALICE });
    assert.ok(carbon.tokens && acme.tokens);
    assert.equal(carbon.tokens.claims()!.sub, carbonAlice.id);
    assert.equal(acme.tokens.claims()!.sub, acmeAlice.id);
    assert.equal(acme.tokens.claims()!.iss, `${acmeBase}/oauth2/token`);
    assert.notEqual(carbonAlice.id, acmeAlice.id);

    const wrongInAcme = await passwordLogin({ issuer: `${acmeBase}/oauth2/token`, clientId: acmeApp.clientId, clientSecret: acmeApp.clientSecret, redirectUri: acmeApp.redirectUri, username: 'alice', password: CARBON_ALICE });
    assert.equal(wrongInAcme.tokens, undefined);
    assert.match(new URL(wrongInAcme.url).pathname, ACME_LOGIN_PAGE);
    assert.match(wrongInAcme.page, /name="password"/);
    const wrongInCarbon = await passwordLogin({ issuer: `${base}/oauth2/token`, clientId: carbonApp.clientId, clientSecret: carbonApp.clientSecret, redirectUri: carbonApp.redirectUri, username: 'alice', password: ACME_ALICE });
    assert.equal(wrongInCarbon.tokens, undefined);
  });

  test('a sign-in to carbon.super never carries over to acme.com, and each tenant has its own cookies', async () => {
    const browser = new HttpBrowser();
    const carbon = await passwordLogin({ issuer: `${base}/oauth2/token`, clientId: carbonApp.clientId, clientSecret: carbonApp.clientSecret, redirectUri: carbonApp.redirectUri, username: 'alice', password: CARBON_ALICE, browser });
    assert.ok(carbon.tokens);
    const carbonCookies = browser.cookies.map((c) => c.name);
    assert.ok(carbonCookies.some((n) => n.startsWith('gh_session_carbon_super')), carbonCookies.join());

    // Control: the carbon.super session is live (prompt=none yields a code there).
    const silentCarbon = await authorize(browser, base, carbonApp, { prompt: 'none' });
    assert.ok(silentCarbon.callback?.searchParams.get('code'), silentCarbon.url);

    // acme.com with the same cookie jar: no code without a login, and a login page.
    const silentAcme = await authorize(browser, acmeBase, acmeApp, { prompt: 'none' });
    assert.ok(silentAcme.callback, silentAcme.url);
    assert.equal(silentAcme.callback.searchParams.get('code'), null);
    assert.equal(silentAcme.callback.searchParams.get('error'), 'login_required');

    const interactive = await authorize(browser, acmeBase, acmeApp);
    assert.equal(interactive.callback, undefined, `got a code: ${interactive.url}`);
    assert.equal(interactive.status, 200);
    assert.match(new URL(interactive.url).pathname, ACME_LOGIN_PAGE);
    assert.match(interactive.html, /name="password"/);

    // The carbon.super password is no good here, even with carbon.super's session cookies.
    const form = parseForm(interactive.html);
    const wrong = await browser.follow(new URL(form.action, interactive.url).href, { form: { ...form.fields, username: 'alice', password: CARBON_ALICE } }, (u) => u.startsWith(acmeApp.redirectUri));
    assert.ok(!wrong.url.startsWith(acmeApp.redirectUri), wrong.url);

    // Cookies are per tenant: different names, and acme's are scoped below /t/acme.com/
    // (the resume cookie more narrowly, to its resume URL).
    const acmeCookies = browser.cookies.filter((c) => c.name.includes('acme_com'));
    assert.ok(acmeCookies.some((c) => c.name.startsWith('gh_interaction_acme_com')), browser.cookies.map((c) => c.name).join());
    for (const c of acmeCookies) assert.ok(c.path.startsWith(`${ACME_PREFIX}/`), `${c.name} path ${c.path}`);
    for (const c of browser.cookies.filter((k) => k.name.includes('carbon_super'))) assert.equal(c.path, '/', c.name);
    assert.deepEqual(acmeCookies.map((c) => c.name).filter((n) => carbonCookies.includes(n)), []);

    // After signing in to acme.com too, the two tenants hold two distinct sessions.
    const acme = await passwordLogin({ issuer: `${acmeBase}/oauth2/token`, clientId: acmeApp.clientId, clientSecret: acmeApp.clientSecret, redirectUri: acmeApp.redirectUri, username: 'alice', password: ACME_ALICE, browser });
    assert.ok(acme.tokens);
    assert.equal(acme.tokens.claims()!.sub, acmeAlice.id);
    const sessions = browser.cookies.filter((c) => /^gh_session_[a-z_]+$/.test(c.name)).map((c) => `${c.name}@${c.path}`).sort();
    assert.deepEqual(sessions, ['gh_session_acme_com@/t/acme.com/', 'gh_session_carbon_super@/']);
  });

  test('a tenant whose domain differs from another only by punctuation still gets its own cookie names', async () => {
    // carbon-super vs carbon.super: the default tenant's cookies (path /) reach /t/carbon-super/ too.
    const res = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'carbon-super', owner: { username: 'cs-owner', password: 'cs-owner-Passw0rd!' } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const csApp = await registerApp(server, { prefix: '/t/carbon-super', auth: basicAuth('cs-owner', 'cs-owner-Passw0rd!'), redirectUri: 'http://localhost:8787/cs/callback' });
    const names = async (tenantBase: string, app: RegisteredApp) => {
      const browser = new HttpBrowser();
      const page = await authorize(browser, tenantBase, app);
      assert.match(page.html, /name="password"/);
      return browser.cookies.map((c) => c.name);
    };
    const carbonNames = await names(base, carbonApp);
    const csNames = await names(`${base}/t/carbon-super`, csApp);
    assert.ok(carbonNames.length > 0 && csNames.length > 0);
    assert.deepEqual(csNames.filter((n) => carbonNames.includes(n)), []);
  });

  test('carbon.super tokens are refused by acme.com\'s userinfo, introspection and admin API (and the reverse)', async () => {
    const carbon = await passwordLogin({ issuer: `${base}/oauth2/token`, clientId: carbonApp.clientId, clientSecret: carbonApp.clientSecret, redirectUri: carbonApp.redirectUri, username: 'alice', password: CARBON_ALICE });
    const acme = await passwordLogin({ issuer: `${acmeBase}/oauth2/token`, clientId: acmeApp.clientId, clientSecret: acmeApp.clientSecret, redirectUri: acmeApp.redirectUri, username: 'alice', password: ACME_ALICE });
    const carbonToken = carbon.tokens!.access_token;
    const acmeToken = acme.tokens!.access_token;

    // userinfo: each token works only at home.
    assert.equal((await json(`${base}/oauth2/userinfo`, { headers: { authorization: bearer(carbonToken) } })).status, 200);
    const crossUserinfo = await json(`${acmeBase}/oauth2/userinfo`, { headers: { authorization: bearer(carbonToken) } });
    assert.equal(crossUserinfo.status, 401);
    assert.equal(crossUserinfo.body.email, undefined);
    assert.equal((await json(`${acmeBase}/oauth2/userinfo`, { headers: { authorization: bearer(acmeToken) } })).status, 200);
    assert.equal((await json(`${base}/oauth2/userinfo`, { headers: { authorization: bearer(acmeToken) } })).status, 401);

    // introspection: acme.com knows nothing of carbon.super's token.
    const introspect = (tenantBase: string, app: RegisteredApp, token: string) => json(`${tenantBase}/oauth2/introspect`, {
      method: 'POST',
      headers: { authorization: basicAuth(app.clientId, app.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const home = await introspect(base, carbonApp, carbonToken);
    assert.equal(home.status, 200);
    assert.equal(home.body.active, true);
    const cross = await introspect(acmeBase, acmeApp, carbonToken);
    assert.equal(cross.status, 200);
    assert.deepEqual(cross.body, { active: false });

    // admin API: a carbon.super management token opens carbon.super's API only.
    const tokenRes = await json(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(carbonMgmt.clientId, carbonMgmt.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: VIEW }),
    });
    assert.equal(tokenRes.status, 200, JSON.stringify(tokenRes.body));
    const mgmtToken = tokenRes.body.access_token as string;
    assert.equal((await api(server, 'GET', APPS, { auth: bearer(mgmtToken) })).status, 200);
    for (const token of [mgmtToken, carbonToken]) {
      const res = await api(server, 'GET', `${ACME_PREFIX}${APPS}`, { auth: bearer(token) });
      assert.ok([401, 403].includes(res.status), `status ${res.status}`);
      assert.equal(res.body.applications, undefined);
    }
    // acme.com's client cannot mint tokens at carbon.super's token endpoint either.
    const crossClient = await json(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(acmeApp.clientId, acmeApp.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(crossClient.status, 401);
    assert.equal(crossClient.body.error, 'invalid_client');
  });

  test('acme.com\'s administrator sees only acme.com\'s applications and users', async () => {
    const apps = await api(server, 'GET', `${ACME_PREFIX}${APPS}`, { auth: acmeAuth });
    assert.equal(apps.status, 200);
    assert.deepEqual(apps.body.applications.map((a: { name: string }) => a.name), ['acme-portal']);
    for (const path of [`${APPS}/${carbonApp.id}`, `${APPS}/${carbonApp.id}/inbound-protocols/oidc`]) {
      const res = await api(server, 'GET', `${ACME_PREFIX}${path}`, { auth: acmeAuth });
      assert.equal(res.status, 404, path);
      assert.ok(!JSON.stringify(res.body).includes(carbonApp.clientId));
    }
    assert.equal((await api(server, 'PATCH', `${ACME_PREFIX}${APPS}/${carbonApp.id}`, { auth: acmeAuth, body: { description: 'pwned' } })).status, 404);
    assert.equal((await api(server, 'DELETE', `${ACME_PREFIX}${APPS}/${carbonApp.id}`, { auth: acmeAuth })).status, 404);

    const user = await api(server, 'GET', `${ACME_PREFIX}/scim2/Users/${carbonAlice.id}`, { auth: acmeAuth });
    assert.equal(user.status, 404);
    const list = await api(server, 'GET', `${ACME_PREFIX}/scim2/Users?filter=${encodeURIComponent('userName eq "alice"')}`, { auth: acmeAuth });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.Resources.map((u: { id: string }) => u.id), [acmeAlice.id]);
    const all = await api(server, 'GET', `${ACME_PREFIX}/scim2/Users`, { auth: acmeAuth });
    assert.deepEqual(all.body.Resources.map((u: { userName: string }) => u.userName).sort(), ['alice', 'owner']);
  });

  /** Each GET is refused (401/403) and its body mentions none of the other tenant's values. */
  async function assertRefusedWithoutLeak(attempts: ReadonlyArray<readonly [string, string]>, secrets: string[]) {
    for (const [auth, path] of attempts) {
      const res = await api(server, 'GET', path, { auth });
      assert.ok([401, 403].includes(res.status), `${path}: ${res.status}`);
      const text = JSON.stringify(res.body);
      for (const secret of secrets) assert.ok(!text.includes(secret), `${path} leaks ${secret}`);
    }
  }

  test('acme.com\'s administrator credentials are refused on carbon.super\'s API (401/403, never the data)', async () => {
    const attempts = [
      [acmeAuth, APPS], [acmeAuth, `/t/carbon.super${APPS}`], [acmeAuth, '/scim2/Users'], [acmeAuth, `${APPS}/${carbonApp.id}`],
      [basicAuth(`${OWNER.username}@${ACME}`, OWNER.password), APPS],
      [basicAuth(`${OWNER.username}@${ACME}`, OWNER.password), '/scim2/Users'],
      [basicAuth(`${OWNER.username}@${ACME}`, OWNER.password), `/t/carbon.super/scim2/Users/${carbonAlice.id}`],
    ] as const;
    await assertRefusedWithoutLeak(attempts, [carbonApp.clientId, 'carbon-portal', 'alice@carbon.example']);
    const create = await api(server, 'POST', APPS, { auth: basicAuth(`${OWNER.username}@${ACME}`, OWNER.password), body: { name: 'planted', inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], callbackURLs: [] } } } });
    assert.ok([401, 403].includes(create.status));
  });

  test('the super administrator\'s credentials do not open acme.com\'s API (401/403, never the data)', async () => {
    const attempts = [
      [server.adminAuth, `${ACME_PREFIX}${APPS}`],
      [server.adminAuth, `${ACME_PREFIX}/scim2/Users`],
      [server.adminAuth, `${ACME_PREFIX}${APPS}/${acmeApp.id}`],
      [basicAuth(`${ADMIN.username}@carbon.super`, ADMIN.password), `${ACME_PREFIX}${APPS}`],
      [basicAuth(`${ADMIN.username}@carbon.super`, ADMIN.password), `${ACME_PREFIX}/scim2/Users/${acmeAlice.id}`],
    ] as const;
    await assertRefusedWithoutLeak(attempts, [acmeApp.clientId, 'acme-portal', 'alice@acme.example']);
    // ...while the super administrator's own tenant's data is not reachable by acme's id either.
    assert.equal((await api(server, 'GET', `${APPS}/${acmeApp.id}`, { auth: server.adminAuth })).status, 404);
    assert.equal((await api(server, 'GET', `/scim2/Users/${acmeAlice.id}`, { auth: server.adminAuth })).status, 404);
  });
});
