// Who may call the admin API and SCIM: administrators over HTTP Basic, or bearer tokens
// that carry admin scopes — issued only to management applications (client credentials)
// and to administrators signing in through a management application.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startServer, basicAuth, ADMIN, DIALECTS, PG_ADMIN_URL, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { registerApplication } from '../../src/applications/application.service.js';

const APPS = '/api/server/v1/applications';
const VIEW = 'internal_application_mgt_view';
const USER = { userName: 'olivia', password: 'olivia-Passw0rd!' };

/** POST /oauth2/token grant_type=client_credentials with client_secret_basic. */
async function clientCredentials(server: { url: string }, prefix: string, app: { clientId: string; clientSecret?: string | null }, scope?: string) {
  const res = await fetch(`${server.url}${prefix}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(encodeURIComponent(app.clientId), encodeURIComponent(app.clientSecret ?? '')),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const bearer = (token: string) => `Bearer ${token}`;

describe('admin API: HTTP Basic', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
    await createScimUser(server, { ...USER, email: 'olivia@example.com' });
  });
  after(() => server.close());

  test('a call without Authorization is 401 with a WWW-Authenticate challenge for Basic and Bearer', async () => {
    for (const path of [APPS, '/scim2/Users', '/api/server/v1/tenants']) {
      const res = await api(server, 'GET', path);
      assert.equal(res.status, 401, path);
      const challenge = res.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /Basic/, path);
      assert.match(challenge, /Bearer/, path);
    }
  });

  test('bad Basic credentials are 401 and reveal no data', async () => {
    const attempts = [
      basicAuth(ADMIN.username, 'not-the-password'),
      basicAuth('nobody-here', 'whatever-password'),
      'Basic !!!not-base64',
      'Basic ' + Buffer.from('no-colon-at-all').toString('base64'),
      'Digest username="admin"',
    ];
    for (const auth of attempts) {
      const res = await api(server, 'GET', APPS, { auth });
      assert.equal(res.status, 401, auth);
      assert.ok(res.headers.get('www-authenticate'), auth);
      assert.equal(res.body.applications, undefined);
    }
    // The one wrong admin password above did not lock the administrator out.
    assert.equal((await api(server, 'GET', APPS, { auth: server.adminAuth })).status, 200);
  });

  test('an ordinary user\'s correct Basic credentials are 403 on the admin API and on SCIM', async () => {
    const auth = basicAuth(USER.userName, USER.password);
    for (const [method, path] of [['GET', APPS], ['POST', APPS], ['GET', '/scim2/Users'], ['GET', '/api/server/v1/tenants']] as const) {
      const res = await api(server, method, path, { auth, ...(method === 'POST' ? { body: { name: 'sneaky' } } : {}) });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    const list = await api(server, 'GET', `${APPS}?filter=${encodeURIComponent('name eq sneaky')}`, { auth: server.adminAuth });
    assert.equal(list.body.totalResults, 0);
  });

  test('an administrator\'s Basic credentials list applications and users', async () => {
    assert.equal((await api(server, 'GET', APPS, { auth: server.adminAuth })).status, 200);
    const users = await api(server, 'GET', `/scim2/Users?filter=${encodeURIComponent(`userName eq "${USER.userName}"`)}`, { auth: server.adminAuth });
    assert.equal(users.status, 200);
    assert.equal(users.body.totalResults, 1);
  });
});

describe('admin API: HTTP Basic while the store is unreachable (postgres)', { skip: !DIALECTS.includes('postgres') && 'GATEHOUSE_TEST_DIALECTS excludes postgres' }, () => {
  let server: TestServer;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try { await client.query(sql); } finally { await client.end(); }
  };
  before(async () => {
    server = await startServer({ dialect: 'postgres', overrides: { identity_mgt: { login_rate_limit: { max_requests: 3 } } } });
  });
  after(() => server?.close());

  test('calls with the right credentials that fail on the store do not use up the address\'s attempts', async () => {
    const call = async () => (await fetch(`${server.url}${APPS}`, { headers: { authorization: server.adminAuth } })).status;
    assert.deepEqual([await call(), await call()], [200, 200]);
    const database = new URL(server.deps.config.database.url).pathname.slice(1);
    await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
    try {
      const during = [await call(), await call(), await call(), await call()];
      assert.ok(during.every((status) => status >= 500), `the store is unreachable: ${during.join(', ')}`);
    } finally {
      await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    }
    // Three wrong attempts would exhaust max_requests 3; four unjudged ones must not.
    assert.deepEqual([await call(), await call(), await call()], [200, 200, 200]);
  });
});

describe('admin API: Basic turned off by [admin_api] allow_basic_auth=false', () => {
  let server: TestServer;
  let mgmt: { clientId: string; clientSecret: string | null };
  before(async () => {
    server = await startServer({ dialect: 'sqlite', overrides: { admin_api: { allow_basic_auth: false } } });
    // With Basic off, the management application is registered through the service (as the CLI does).
    mgmt = await registerApplication(server.deps, server.tenant.id, {
      name: 'ops-robot',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], callbackURLs: [] } },
      managementScopes: [VIEW],
    });
  });
  after(() => server.close());

  test('the super administrator\'s correct Basic credentials are refused with 401', async () => {
    for (const path of [APPS, '/scim2/Users', '/api/server/v1/tenants']) {
      const res = await api(server, 'GET', path, { auth: server.adminAuth });
      assert.equal(res.status, 401, path);
      assert.equal(res.body.applications, undefined);
    }
  });

  test('a management application\'s bearer token still works', async () => {
    const token = await clientCredentials(server, '', mgmt, VIEW);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const res = await api(server, 'GET', APPS, { auth: bearer(token.body.access_token!) });
    assert.equal(res.status, 200);
    assert.ok(res.body.applications.some((a: { name: string }) => a.name === 'ops-robot'));
  });
});

for (const dialect of DIALECTS) {
  describe(`admin API: bearer tokens and admin scopes (${dialect})`, () => {
    let server: TestServer;
    let mgmt: RegisteredApp;
    let mgmtWeb: RegisteredApp;
    let ordinary: RegisteredApp;
    let ordinaryWeb: RegisteredApp;
    before(async () => {
      server = await startServer({ dialect });
      mgmt = await registerApp(server, { name: 'mgmt-cc', grantTypes: ['client_credentials'], managementScopes: [VIEW] });
      mgmtWeb = await registerApp(server, { name: 'mgmt-web', grantTypes: ['authorization_code'], managementScopes: [VIEW], redirectUri: 'http://localhost:8787/mgmt/callback' });
      ordinary = await registerApp(server, { name: 'plain-cc', grantTypes: ['client_credentials'] });
      ordinaryWeb = await registerApp(server, { name: 'plain-web', grantTypes: ['authorization_code'], redirectUri: 'http://localhost:8787/plain/callback' });
      await createScimUser(server, { ...USER, email: 'olivia@example.com' });
    });
    after(() => server.close());

    test('a management application gets a client-credentials token with its scope: GET is 200, POST is 403', async () => {
      const token = await clientCredentials(server, '', mgmt, VIEW);
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal(token.body.token_type, 'Bearer');
      assert.deepEqual(token.body.scope?.split(' '), [VIEW]);
      const auth = bearer(token.body.access_token!);

      const list = await api(server, 'GET', APPS, { auth });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.applications.map((a: { name: string }) => a.name).sort(), ['mgmt-cc', 'mgmt-web', 'plain-cc', 'plain-web']);
      assert.equal((await api(server, 'GET', `${APPS}/${ordinary.id}`, { auth })).status, 200);

      const create = await api(server, 'POST', APPS, { auth, body: { name: 'made-by-robot', inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], callbackURLs: [] } } } });
      assert.equal(create.status, 403);
      assert.match(create.body.message, /internal_application_mgt_create/);
      assert.equal((await api(server, 'DELETE', `${APPS}/${ordinary.id}`, { auth })).status, 403);
      assert.equal((await api(server, 'GET', '/scim2/Users', { auth })).status, 403);
      assert.equal((await api(server, 'GET', '/api/server/v1/tenants', { auth })).status, 403);
    });

    test('a management application asking for an admin scope it was not given is refused with invalid_scope', async () => {
      const token = await clientCredentials(server, '', mgmt, 'internal_application_mgt_create');
      assert.equal(token.status, 400);
      assert.equal(token.body.error, 'invalid_scope');
    });

    test('a management application\'s token without the scope parameter carries no admin scope', async () => {
      const token = await clientCredentials(server, '', mgmt);
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal((await api(server, 'GET', APPS, { auth: bearer(token.body.access_token!) })).status, 403);
    });

    test('an ordinary client asking for an admin scope with client credentials is refused with invalid_scope', async () => {
      const token = await clientCredentials(server, '', ordinary, VIEW);
      assert.equal(token.status, 400, JSON.stringify(token.body));
      assert.equal(token.body.error, 'invalid_scope');
      assert.equal(token.body.access_token, undefined);
      // Its plain client-credentials token is no key to the admin API.
      const plain = await clientCredentials(server, '', ordinary);
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
      assert.equal((await api(server, 'GET', APPS, { auth: bearer(plain.body.access_token!) })).status, 403);
    });

    test('a management application that loses its management scopes loses the admin API at once', async () => {
      const extra = await registerApp(server, { name: 'soon-demoted', grantTypes: ['client_credentials'], managementScopes: [VIEW] });
      const token = await clientCredentials(server, '', extra, VIEW);
      assert.equal(token.status, 200, JSON.stringify(token.body));
      const auth = bearer(token.body.access_token!);
      assert.equal((await api(server, 'GET', APPS, { auth })).status, 200);
      const demoted = await api(server, 'PATCH', `${APPS}/${extra.id}`, { auth: server.adminAuth, body: { managementScopes: [] } });
      assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
      assert.equal((await api(server, 'GET', APPS, { auth })).status, 403);
      await api(server, 'DELETE', `${APPS}/${extra.id}`, { auth: server.adminAuth });
    });

    test('an unknown or revoked bearer token is 401', async () => {
      assert.equal((await api(server, 'GET', APPS, { auth: bearer('not-a-real-token') })).status, 401);
      assert.equal((await api(server, 'GET', APPS, { auth: 'Bearer ' })).status, 401);
      const token = await clientCredentials(server, '', mgmt, VIEW);
      const revoke = await fetch(`${server.url}/oauth2/revoke`, {
        method: 'POST',
        headers: { authorization: basicAuth(mgmt.clientId, mgmt.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: token.body.access_token! }),
      });
      assert.equal(revoke.status, 200);
      const res = await api(server, 'GET', APPS, { auth: bearer(token.body.access_token!) });
      assert.equal(res.status, 401);
      assert.ok(res.headers.get('www-authenticate'));
    });

    test('an ordinary user asking an ordinary application for an admin scope gets no token that opens the admin API', async () => {
      const outcome = await passwordLogin({
        issuer: `${server.url}/oauth2/token`, clientId: ordinaryWeb.clientId, clientSecret: ordinaryWeb.clientSecret, redirectUri: ordinaryWeb.redirectUri,
        username: USER.userName, password: USER.password, scope: `openid ${VIEW}`,
      }).catch((err: Error) => err);
      if (outcome instanceof Error) {
        // Refused at the authorization endpoint: the redirect carries error=invalid_scope.
        assert.equal((outcome as { error?: string }).error, 'invalid_scope', outcome.message);
        return;
      }
      assert.ok(outcome.tokens, `no tokens: ${outcome.status} ${outcome.url}`);
      assert.ok(!String(outcome.tokens.scope ?? '').split(' ').includes(VIEW));
      assert.equal((await api(server, 'GET', APPS, { auth: bearer(outcome.tokens.access_token) })).status, 403);
    });

    test('an ordinary user signing in through a management application gets no admin scope (403)', async () => {
      const { tokens } = await passwordLogin({
        issuer: `${server.url}/oauth2/token`, clientId: mgmtWeb.clientId, clientSecret: mgmtWeb.clientSecret, redirectUri: mgmtWeb.redirectUri,
        username: USER.userName, password: USER.password, scope: `openid ${VIEW}`,
      });
      assert.ok(tokens);
      assert.ok(!String(tokens.scope ?? '').split(' ').includes(VIEW), `scope: ${tokens.scope}`);
      const res = await api(server, 'GET', APPS, { auth: bearer(tokens.access_token) });
      assert.equal(res.status, 403);
      assert.equal(res.body.applications, undefined);
    });

    test('an administrator signing in through a management application gets the admin scope (200)', async () => {
      const { tokens } = await passwordLogin({
        issuer: `${server.url}/oauth2/token`, clientId: mgmtWeb.clientId, clientSecret: mgmtWeb.clientSecret, redirectUri: mgmtWeb.redirectUri,
        username: ADMIN.username, password: ADMIN.password, scope: `openid ${VIEW}`,
      });
      assert.ok(tokens);
      assert.ok(String(tokens.scope ?? '').split(' ').includes(VIEW), `scope: ${tokens.scope}`);
      const auth = bearer(tokens.access_token);
      assert.equal((await api(server, 'GET', APPS, { auth })).status, 200);
      // Only the scope the application lists, even for the super administrator.
      assert.equal((await api(server, 'POST', APPS, { auth, body: { name: 'nope' } })).status, 403);
      assert.equal((await api(server, 'GET', '/scim2/Users', { auth })).status, 403);
    });
  });
}
