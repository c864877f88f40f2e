// What the admin console and My Account need from the server: their system applications in
// every tenant (fixed where it matters, restored at start-up, not deletable; My Account
// gives every user internal_login and nothing more), their pages with their own CSP,
// regenerate-secret, and name search in the application list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { bootstrap } from '../../src/tenants/bootstrap.js';
import { ADMIN_SCOPES } from '../../src/access/admin-scopes.js';
import { CONSOLE_CLIENT_ID, MY_ACCOUNT_CLIENT_ID } from '../../src/applications/system-applications.js';
import { consoleMount } from '../../src/http/console-mount.js';
import type { Tenant } from '../../src/tenants/tenant.js';

const APPS = '/api/server/v1/applications';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWNER = { username: 'acme-owner', password: 'acme-owner-Passw0rd!' };
const USER = { userName: 'otto', password: 'otto-long-password' };

async function systemApp(server: TestServer, clientId: string, prefix = '', auth = server.adminAuth) {
  const list = await api(server, 'GET', `${prefix}${APPS}?excludeSystemPortals=false&limit=100`, { auth });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const item = list.body.applications.find((a: { clientId: string }) => a.clientId === clientId);
  assert.ok(item, `${clientId} is listed with excludeSystemPortals=false`);
  return item as { id: string; name: string; isSystemApp: boolean };
}

const consoleApp = (server: TestServer, prefix = '', auth = server.adminAuth) => systemApp(server, CONSOLE_CLIENT_ID, prefix, auth);
const myAccountApp = (server: TestServer, prefix = '', auth = server.adminAuth) => systemApp(server, MY_ACCOUNT_CLIENT_ID, prefix, auth);

async function tokenRequest(server: TestServer, clientId: string, secret: string) {
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(encodeURIComponent(clientId), encodeURIComponent(secret)), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return res.status;
}

for (const dialect of DIALECTS) {
  describe(`admin console support (${dialect})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ dialect });
      await createScimUser(server, { ...USER, email: 'otto@example.com' });
    });
    after(() => server.close());

    test('every tenant has the "Gatehouse Console" system application: public, PKCE, code only, its callback on the tenant, admin scopes', async () => {
      assert.equal((await api(server, 'GET', APPS, { auth: server.adminAuth })).body.applications.length, 0, 'left out of the list by default');
      const item = await consoleApp(server);
      assert.equal(item.name, 'Gatehouse Console');
      assert.equal(item.isSystemApp, true);
      const model = await api(server, 'GET', `${APPS}/${item.id}`, { auth: server.adminAuth });
      assert.deepEqual(model.body.managementScopes, [...ADMIN_SCOPES]);
      assert.equal(model.body.isSystemApp, true);
      const oidc = await api(server, 'GET', `${APPS}/${item.id}/inbound-protocols/oidc`, { auth: server.adminAuth });
      assert.deepEqual(oidc.body, {
        clientId: CONSOLE_CLIENT_ID,
        grantTypes: ['authorization_code'],
        callbackURLs: [`${server.url}/console/callback`],
        publicClient: true,
        pkce: { mandatory: true, supportPlainTransformAlgorithm: false },
        clientAuthentication: { tokenEndpointAuthMethod: 'none' },
      });

      const created = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: `acme-${dialect}.com`, owner: OWNER } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const prefix = `/t/acme-${dialect}.com`;
      const acme = await consoleApp(server, prefix, basicAuth(OWNER.username, OWNER.password));
      const acmeOidc = await api(server, 'GET', `${prefix}${APPS}/${acme.id}/inbound-protocols/oidc`, { auth: basicAuth(OWNER.username, OWNER.password) });
      assert.deepEqual(acmeOidc.body.callbackURLs, [`${server.url}${prefix}/console/callback`]);
      const acmeMine = await myAccountApp(server, prefix, basicAuth(OWNER.username, OWNER.password));
      const acmeMineOidc = await api(server, 'GET', `${prefix}${APPS}/${acmeMine.id}/inbound-protocols/oidc`, { auth: basicAuth(OWNER.username, OWNER.password) });
      assert.deepEqual(acmeMineOidc.body.callbackURLs, [`${server.url}${prefix}/myaccount/callback`]);
    });

    test('every tenant has the "My Account" system application: public, PKCE, code only, its callback on /myaccount, internal_login only', async () => {
      const listed = await api(server, 'GET', APPS, { auth: server.adminAuth });
      assert.ok(!listed.body.applications.some((a: { clientId: string }) => a.clientId === MY_ACCOUNT_CLIENT_ID), 'left out of the list by default (a system portal)');
      const item = await myAccountApp(server);
      assert.equal(item.name, 'My Account');
      assert.equal(item.isSystemApp, true);
      const model = await api(server, 'GET', `${APPS}/${item.id}`, { auth: server.adminAuth });
      assert.deepEqual(model.body.managementScopes, ['internal_login']);
      const oidc = await api(server, 'GET', `${APPS}/${item.id}/inbound-protocols/oidc`, { auth: server.adminAuth });
      assert.deepEqual(oidc.body, {
        clientId: MY_ACCOUNT_CLIENT_ID,
        grantTypes: ['authorization_code'],
        callbackURLs: [`${server.url}/myaccount/callback`],
        publicClient: true,
        pkce: { mandatory: true, supportPlainTransformAlgorithm: false },
        clientAuthentication: { tokenEndpointAuthMethod: 'none' },
      });
      for (const [method, path, body] of [
        ['DELETE', `${APPS}/${item.id}`, undefined],
        ['PATCH', `${APPS}/${item.id}`, { managementScopes: ['internal_login', 'internal_user_mgt_view'] }],
        ['PATCH', `${APPS}/${item.id}`, { inboundProtocolConfiguration: { oidc: { callbackURLs: ['https://evil.example/cb'] } } }],
      ] as const) {
        const res = await api(server, method, path, { auth: server.adminAuth, ...(body === undefined ? {} : { body }) });
        assert.equal(res.status, 403, `${method} ${JSON.stringify(body)}: ${res.status}`);
        assert.match(res.body.message, /"My Account" is a system application/);
      }
    });

    test('any user signing in through My Account gets internal_login, an administrator no admin scope', async () => {
      const login = { issuer: server.tenant.issuer, clientId: MY_ACCOUNT_CLIENT_ID, redirectUri: `${server.url}/myaccount/callback`, scope: 'openid profile internal_login' };
      const user = await passwordLogin({ ...login, username: USER.userName, password: USER.password });
      assert.ok(user.tokens, user.page.slice(0, 300));
      assert.deepEqual(user.tokens.scope?.split(' ').sort(), ['internal_login', 'openid', 'profile']);
      assert.equal((await api(server, 'GET', '/api/users/v1/me/totp', { auth: `Bearer ${user.tokens.access_token}` })).status, 200);

      await assert.rejects(
        passwordLogin({ ...login, scope: 'openid internal_login internal_application_mgt_view', username: 'admin', password: 'admin-password-for-tests' }),
        (err: Error & { error?: string }) => err.error === 'invalid_scope',
        'an admin scope is refused to My Account, whoever signs in',
      );
      const admin = await passwordLogin({ ...login, username: 'admin', password: 'admin-password-for-tests' });
      assert.deepEqual(admin.tokens?.scope?.split(' ').sort(), ['internal_login', 'openid', 'profile']);
      assert.equal((await api(server, 'GET', APPS, { auth: `Bearer ${admin.tokens!.access_token}` })).status, 403, 'an administrator\'s My Account token manages nothing');
    });

    test('the console application cannot be deleted nor made unsafe; its description and authentication steps can change', async () => {
      const { id } = await consoleApp(server);
      const refused: Array<[string, string, unknown]> = [
        ['DELETE', `${APPS}/${id}`, undefined],
        ['PATCH', `${APPS}/${id}`, { name: 'Renamed' }],
        ['PATCH', `${APPS}/${id}`, { inboundProtocolConfiguration: { oidc: { callbackURLs: ['https://evil.example/cb'] } } }],
        ['PATCH', `${APPS}/${id}`, { managementScopes: [] }],
        ['PUT', `${APPS}/${id}/inbound-protocols/oidc`, { grantTypes: ['authorization_code'], callbackURLs: ['https://evil.example/cb'], publicClient: true }],
        ['POST', `${APPS}/${id}/inbound-protocols/oidc/regenerate-secret`, undefined],
      ];
      for (const [method, path, body] of refused) {
        const res = await api(server, method, path, { auth: server.adminAuth, ...(body === undefined ? {} : { body }) });
        assert.ok(res.status === 403 || res.status === 400, `${method} ${path} ${JSON.stringify(body)}: ${res.status}`);
        assert.match(res.body.message, /system application|public client/);
      }
      const oidc = await api(server, 'GET', `${APPS}/${id}/inbound-protocols/oidc`, { auth: server.adminAuth });
      assert.deepEqual(oidc.body.callbackURLs, [`${server.url}/console/callback`]);

      const sequence = { type: 'USER_DEFINED', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }, { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }] }], subjectStepId: 1, attributeStepId: 1 };
      const changed = await api(server, 'PATCH', `${APPS}/${id}`, { auth: server.adminAuth, body: { name: 'Gatehouse Console', description: 'Our console', authenticationSequence: sequence } });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.authenticationSequence.steps.length, 2);
      // Back to the default, so the next test's sign-in needs a password only.
      await api(server, 'PATCH', `${APPS}/${id}`, { auth: server.adminAuth, body: { authenticationSequence: { type: 'DEFAULT' } } });
    });

    test('start-up puts back the console application: recreated when missing, its fixed settings restored', async () => {
      const tenant: Tenant = server.tenant;
      const db = server.deps.store.db;
      await db.updateTable('application')
        .set({ oidc: JSON.stringify({ grantTypes: ['authorization_code'], callbackURLs: ['https://evil.example/cb'], publicClient: false, pkce: { mandatory: false, supportPlainTransformAlgorithm: false }, tokenEndpointAuthMethod: 'client_secret_basic' }), management_scopes: '[]', client_secret: server.deps.secrets.seal('leaked') })
        .where('tenant_id', '=', tenant.id).where('client_id', '=', CONSOLE_CLIENT_ID).execute();
      await bootstrap(server.deps);
      const { id } = await consoleApp(server);
      const oidc = await api(server, 'GET', `${APPS}/${id}/inbound-protocols/oidc`, { auth: server.adminAuth });
      assert.deepEqual(oidc.body.callbackURLs, [`${server.url}/console/callback`]);
      assert.equal(oidc.body.publicClient, true);
      assert.equal(oidc.body.clientSecret, undefined);
      assert.deepEqual((await api(server, 'GET', `${APPS}/${id}`, { auth: server.adminAuth })).body.managementScopes, [...ADMIN_SCOPES]);

      const mine = await myAccountApp(server);
      await db.deleteFrom('application').where('tenant_id', '=', tenant.id).where('client_id', 'in', [CONSOLE_CLIENT_ID, MY_ACCOUNT_CLIENT_ID]).execute();
      await bootstrap(server.deps);
      const recreated = await consoleApp(server);
      assert.notEqual(recreated.id, id, 'created again');
      assert.notEqual((await myAccountApp(server)).id, mine.id, 'My Account created again');

      // Both repairs are in the audit log, by the system.
      const audit = await api(server, 'GET', '/api/server/v1/audit-logs?type=application_updated&type=application_created', { auth: server.adminAuth });
      const repairs = audit.body.events.filter((e: { clientId?: string; actor: { kind: string } }) => e.clientId === CONSOLE_CLIENT_ID && e.actor.kind === 'system');
      assert.deepEqual(repairs.map((e: { type: string }) => e.type), ['application_created', 'application_updated'], JSON.stringify(audit.body.events));
    });

    test('start-up does not stop when a tenant\'s own applications hold both of a system application\'s names', async () => {
      const db = server.deps.store.db;
      await db.deleteFrom('application').where('tenant_id', '=', server.tenant.id).where('client_id', '=', MY_ACCOUNT_CLIENT_ID).execute();
      const own = [await registerApp(server, { name: 'My Account' }), await registerApp(server, { name: 'My Account (system)' })];
      await bootstrap(server.deps);
      assert.equal((await myAccountApp(server)).name, `My Account (${MY_ACCOUNT_CLIENT_ID})`);
      for (const app of own) assert.equal((await api(server, 'DELETE', `${APPS}/${app.id}`, { auth: server.adminAuth })).status, 204);
    });

    test('an administrator signing in through the console application gets admin scopes; an ordinary user gets none', async () => {
      const login = { issuer: server.tenant.issuer, clientId: CONSOLE_CLIENT_ID, redirectUri: `${server.url}/console/callback`, scope: 'openid profile internal_application_mgt_view internal_tenant_view' };
      const admin = await passwordLogin({ ...login, username: 'admin', password: 'admin-password-for-tests' });
      assert.ok(admin.tokens, admin.page.slice(0, 300));
      assert.deepEqual(admin.tokens.scope?.split(' ').sort(), ['internal_application_mgt_view', 'internal_tenant_view', 'openid', 'profile']);
      assert.equal((await api(server, 'GET', APPS, { auth: `Bearer ${admin.tokens.access_token}` })).status, 200);

      const user = await passwordLogin({ ...login, username: USER.userName, password: USER.password });
      assert.ok(user.tokens, user.page.slice(0, 300));
      assert.deepEqual(user.tokens.scope?.split(' ').sort(), ['openid', 'profile']);
      assert.equal((await api(server, 'GET', APPS, { auth: `Bearer ${user.tokens.access_token}` })).status, 403);
    });

    test('regenerate-secret: a new secret, the old one refused at once, audited without the secret', async () => {
      const app = await registerApp(server, { name: `Regen ${dialect}`, grantTypes: ['client_credentials'], redirectUri: 'https://app.example.com/cb' });
      assert.equal(await tokenRequest(server, app.clientId, app.clientSecret!), 200);
      const res = await api(server, 'POST', `${APPS}/${app.id}/inbound-protocols/oidc/regenerate-secret`, { auth: server.adminAuth });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.clientId, app.clientId);
      assert.ok(res.body.clientSecret && res.body.clientSecret !== app.clientSecret);
      assert.equal(await tokenRequest(server, app.clientId, app.clientSecret!), 401);
      assert.equal(await tokenRequest(server, app.clientId, res.body.clientSecret), 200);

      const audit = await api(server, 'GET', '/api/server/v1/audit-logs?type=application_updated', { auth: server.adminAuth });
      const event = audit.body.events.find((e: { details: { applicationId?: string } }) => e.details.applicationId === app.id);
      assert.equal(event?.details.secretRegenerated, true);
      assert.equal(event?.details.clientSecretChanged, true);
      assert.ok(!JSON.stringify(audit.body).includes(res.body.clientSecret), 'the secret is not in the audit log');

      const pub = await registerApp(server, { name: `Public ${dialect}`, publicClient: true });
      const none = await api(server, 'POST', `${APPS}/${pub.id}/inbound-protocols/oidc/regenerate-secret`, { auth: server.adminAuth });
      assert.equal(none.status, 400);
      assert.match(none.body.message, /public client/);
      assert.equal((await api(server, 'POST', `${APPS}/nope/inbound-protocols/oidc/regenerate-secret`, { auth: server.adminAuth })).status, 404);
      const user = await api(server, 'POST', `${APPS}/${app.id}/inbound-protocols/oidc/regenerate-secret`, { auth: basicAuth(USER.userName, USER.password) });
      assert.equal(user.status, 403);
    });

    test('the list searches names with sw, co and ew, ignoring case; % and _ are plain characters', async () => {
      for (const name of ['Payroll EU', 'payroll us', 'HR portal', '100% off', 'a_b']) await registerApp(server, { name });
      const names = async (filter: string) => {
        const res = await api(server, 'GET', `${APPS}?limit=100&filter=${encodeURIComponent(filter)}`, { auth: server.adminAuth });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.applications.map((a: { name: string }) => a.name).sort();
      };
      assert.deepEqual(await names('name co "PAYROLL"'), ['Payroll EU', 'payroll us']);
      assert.deepEqual(await names('name sw pay'), ['Payroll EU', 'payroll us']);
      assert.deepEqual(await names('name ew "eu"'), ['Payroll EU']);
      assert.deepEqual(await names('name co "%"'), ['100% off']);
      assert.deepEqual(await names('name co "_"'), ['a_b']);
      assert.deepEqual(await names('name co "console"'), [], 'the system application stays out unless asked for');
      const bad = await api(server, 'GET', `${APPS}?excludeSystemPortals=maybe`, { auth: server.adminAuth });
      assert.equal(bad.status, 400);
    });
  });
}

describe('the console pages', () => {
  let server: TestServer;
  before(async () => {
    const built = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    server = await startServer({ dialect: 'sqlite' });
    const created = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'acme.com', owner: OWNER } });
    assert.equal(created.status, 201);
  });
  after(() => server.close());

  test('/console and every path below it serve the SPA with a CSP allowing only this origin\'s scripts; the login pages keep theirs', async () => {
    for (const path of ['/console', '/console/', '/console/service-providers/123', '/console/callback?code=x&state=y', '/t/acme.com/console/users']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/, path);
      assert.match(csp, /connect-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const html = await res.text();
      assert.match(html, /<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js"><\/script>/);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    }
    const page = await fetch(`${server.url}/console/`);
    const script = /src="(\/console\/assets\/[^"]+)"/.exec(await page.text())![1]!;
    const asset = await fetch(`${server.url}${script}`);
    await asset.arrayBuffer();
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);

    for (const path of ['/myaccount', '/myaccount/', '/myaccount/callback?code=x&state=y', '/t/acme.com/myaccount/']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/, path);
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /unsafe-inline|unsafe-eval/);
      const html = await res.text();
      assert.match(html, /<title>My Account/, path);
      assert.match(html, /<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js"><\/script>/);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    }

    for (const path of ['/t/nope.example/console/', '/t/nope.example/myaccount/', '/console/assets/missing.js', '/console/assets/..%2F..%2Fpackage.json', '/console/assets/.hidden']) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer(); // an unread body keeps the connection busy and the server's close waiting
      assert.equal(res.status, 404, path);
    }
    const login = await fetch(`${server.url}/oauth2/authorize?client_id=${CONSOLE_CLIENT_ID}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${server.url}/console/callback`)}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGrSFpuBDs&code_challenge_method=S256`, { redirect: 'manual' });
    await login.arrayBuffer();
    const loginPage = await fetch(new URL(login.headers.get('location')!, server.url), { headers: { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') } });
    await loginPage.arrayBuffer();
    assert.equal(loginPage.status, 200);
    assert.doesNotMatch(loginPage.headers.get('content-security-policy') ?? '', /script-src/, 'the login pages still allow no script at all');
  });

  test('without a console build, /console says how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-no-console-'));
    const app = Fastify();
    app.decorateRequest('tenant', null);
    app.addHook('onRequest', async (request) => { request.tenant = server.tenant; });
    await app.register(consoleMount(empty));
    try {
      const res = await app.inject({ method: 'GET', url: '/console/' });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build:console/);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
