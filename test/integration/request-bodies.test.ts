// What every API does with bodies and addresses no API means: JSON nested thousands of
// levels deep (it overflowed the stack of the code that quoted it back: a 500), NUL
// characters (PostgreSQL refused them, SQLite stored them: one request, two answers), and
// JSON that does not parse. Each is a 400 with a message, the same on both stores, and
// nothing is stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { discover } from '../helpers/oidc-login.js';
import { authorize } from '../helpers/oidc-authorize.js';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
// 6000 levels in about 30 KB, well under the body limit.
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

for (const dialect of DIALECTS) {
  describe(`request bodies and addresses no API means (${dialect})`, () => {
    let server: TestServer;
    let userId: string;
    before(async () => {
      server = await startServer({ dialect });
      userId = (await createScimUser(server, { userName: 'body.user', password: 'body-user-Passw0rd' })).id;
    });
    after(() => server.close());

    const send = (method: string, path: string, body: string, type = 'application/json') =>
      api(server, method, path, { auth: server.adminAuth, body, type });

    test('JSON nested 6000 levels deep is a 400 on every endpoint that used to answer 500', async () => {
      const cases: Array<[string, string, string, string?]> = [
        ['PUT', '/api/server/v1/authenticators/totp/parameters', `{"windowSize":${deep(6000)}}`],
        ['POST', `/api/server/v1/users/${userId}/unlock`, `{"factor":${deep(6000)}}`],
        ['PATCH', `/scim2/Users/${userId}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":${deep(6000)}}]}`, 'application/scim+json'],
        ['PUT', '/api/server/v1/email/default-locale', `{"locale":${deep(6000)}}`],
      ];
      for (const [method, path, body, type] of cases) {
        const res = await send(method, path, body, type);
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 200)}`);
        const message = String(res.body.message ?? res.body.detail);
        assert.match(message, /nests objects and lists more than 32 levels/, `${method} ${path}`);
      }
      // 32 levels is what the limit allows: the body reaches the route, which judges it.
      const allowed = await send('PUT', '/api/server/v1/authenticators/totp/parameters', `{"windowSize":${deep(31)}}`);
      assert.equal(allowed.status, 400);
      assert.match(allowed.body.message, /windowSize/, 'judged by the route, not by the parser');
      assert.ok(allowed.body.message.length < 300, 'the bad value is quoted short, not echoed whole');
    });

    test('a NUL character in a JSON value or field name is a 400 that says so, and nothing is stored', async () => {
      const app = await send('POST', '/api/server/v1/applications', JSON.stringify({ name: 'nul\u0000app', inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['http://localhost:8787/cb'] } } }));
      assert.equal(app.status, 400);
      assert.match(app.body.message, /NUL character/);
      const listed = await api(server, 'GET', '/api/server/v1/applications?filter=name%20sw%20%22nul%22', { auth: server.adminAuth });
      assert.equal(listed.body.totalResults, 0, 'the application was not created');

      const user = await send('POST', '/scim2/Users', JSON.stringify({ userName: 'nul.user', 'pass\u0000word': 'x' }), 'application/scim+json');
      assert.equal(user.status, 400);
      assert.deepEqual(user.body.schemas, [ERROR_SCHEMA]);
      assert.equal(user.body.scimType, 'invalidSyntax');
      assert.match(user.body.detail, /field name .* NUL character/);
    });

    test('a NUL character (%00) anywhere in the address is a 400 on API paths and pages alike', async () => {
      const scim = await api(server, 'GET', '/scim2/Users/%00', { auth: server.adminAuth });
      assert.equal(scim.status, 400);
      assert.deepEqual(scim.body.schemas, [ERROR_SCHEMA]);
      assert.match(scim.body.detail, /NUL character/);
      const audit = await api(server, 'GET', '/api/server/v1/audit-logs?userId=%00', { auth: server.adminAuth });
      assert.equal(audit.status, 400);
      assert.match(audit.body.message, /NUL character/);
      const tenant = await api(server, 'GET', '/t/ac%00me/oauth2/token/.well-known/openid-configuration');
      assert.equal(tenant.status, 400);
      const page = await fetch(`${server.url}/authenticationendpoint/%00`);
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /NUL character/);
    });

    test('a NUL character in a form body is a 400 on the login page, and not a 500 at the token and introspection endpoints', async () => {
      const app = await registerApp(server, { name: `nul-form-${dialect}` });
      const browser = new HttpBrowser();
      const config = await discover(`${server.url}/oauth2/token`, app.clientId, app.clientSecret);
      const started = await authorize(config, browser, app.redirectUri);
      const form = parseForm(await started.res.text());
      const login = await browser.request(new URL(form.action, started.url).href, { form: { ...form.fields, username: 'body\u0000user', password: 'x' } });
      assert.equal(login.status, 400);
      assert.match(await login.text(), /NUL character/);

      const token = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=a%00b&client_secret=x' });
      assert.equal(token.status, 401);
      assert.equal((await token.json() as { error: string }).error, 'invalid_client');
      const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
      const introspect = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a%00b' });
      assert.equal(introspect.status, 200);
      assert.deepEqual(await introspect.json(), { active: false });
    });

    test('the admin API and SCIM refuse form bodies (415), the one body another site\'s page can send unasked; nothing is created', async () => {
      const form = { auth: server.adminAuth, type: 'application/x-www-form-urlencoded' };
      const scim = await api(server, 'POST', '/scim2/Users', { ...form, body: 'userName=csrf.user&password=Csrf-Passw0rd-1' });
      assert.equal(scim.status, 415);
      assert.deepEqual(scim.body.schemas, [ERROR_SCHEMA]);
      assert.match(scim.body.detail, /takes JSON/);
      const found = await api(server, 'GET', '/scim2/Users?filter=userName%20eq%20%22csrf.user%22', { auth: server.adminAuth });
      assert.equal(found.body.totalResults, 0);
      const app = await api(server, 'POST', '/api/server/v1/applications', { ...form, body: 'name=csrf-app' });
      assert.equal(app.status, 415);
      const signOut = await api(server, 'POST', `/api/server/v1/users/${userId}/sign-out`, { ...form, body: 'x=1' });
      assert.equal(signOut.status, 415);
    });

    test('JSON that does not parse is a 400; under /scim2 with scimType invalidSyntax (RFC 7644 §3.12)', async () => {
      const scim = await send('POST', '/scim2/Users', '{bad', 'application/scim+json');
      assert.equal(scim.status, 400);
      assert.deepEqual(scim.body.schemas, [ERROR_SCHEMA]);
      assert.equal(scim.body.scimType, 'invalidSyntax');
      assert.equal(scim.body.detail, 'the body is not valid JSON');
      const app = await send('POST', '/api/server/v1/applications', '{"name":');
      assert.equal(app.status, 400);
      assert.equal(app.body.message, 'the body is not valid JSON');
      const poisoned = await send('POST', '/api/server/v1/applications', '{"__proto__":{"x":1},"name":"p"}');
      assert.equal(poisoned.status, 400, 'prototype poisoning is still refused by the parser');
      const constructed = await send('POST', '/api/server/v1/applications', '{"constructor":{"prototype":{"x":1}},"name":"p"}');
      assert.equal(constructed.status, 400, 'and so is its constructor.prototype form');
      const empty = await api(server, 'POST', '/scim2/Users', { auth: server.adminAuth, headers: { 'content-type': 'application/scim+json' } });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.scimType, 'invalidSyntax');
      assert.match(empty.body.detail, /body is empty/);
    });
  });
}
