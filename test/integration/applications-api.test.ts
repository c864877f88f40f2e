// /api/server/v1/applications and /api/server/v1/authenticators in WSO2's shapes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { api } from '../helpers/api.js';

const APPS = '/api/server/v1/applications';

describe('application management API', () => {
  let server: TestServer;
  const call = (method: string, path: string, body?: unknown) => api(server, method, path, { auth: server.adminAuth, body });
  const appBody = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: `${name} description`,
    inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code', 'refresh_token'], callbackURLs: ['https://app.example.com/callback'] } },
    ...extra,
  });

  before(async () => { server = await startServer(); });
  after(() => server.close());

  test('POST creates an application: 201, Location, the ApplicationModel with the DEFAULT sequence', async () => {
    const res = await call('POST', APPS, appBody('Portal'));
    assert.equal(res.status, 201);
    const id = res.body.id as string;
    assert.equal(typeof id, 'string');
    assert.equal(res.headers.get('location'), `${server.url}${APPS}/${id}`);
    assert.equal(res.body.name, 'Portal');
    assert.equal(res.body.description, 'Portal description');
    assert.deepEqual(res.body.inboundProtocolConfiguration.oidc.callbackURLs, ['https://app.example.com/callback']);
    assert.deepEqual(res.body.inboundProtocolConfiguration.oidc.grantTypes, ['authorization_code', 'refresh_token']);
    assert.equal(res.body.inboundProtocolConfiguration.oidc.publicClient, false);
    assert.equal(res.body.authenticationSequence.type, 'DEFAULT');
    assert.deepEqual(res.body.authenticationSequence.steps, [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] }]);
    assert.equal(res.body.advancedConfigurations.skipLoginConsent, true);
    assert.ok(!JSON.stringify(res.body).includes('clientSecret'), 'the model never carries the secret');
  });

  test('GET by id returns the same application', async () => {
    const created = await call('POST', APPS, appBody('Wiki'));
    const res = await call('GET', `${APPS}/${created.body.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.body.id);
    assert.equal(res.body.name, 'Wiki');
    assert.equal(res.body.clientId, created.body.clientId);
    assert.equal(res.body.inboundProtocolConfiguration.oidc.clientId, created.body.clientId);
  });

  test('GET of an unknown id is 404 with a JSON error', async () => {
    const res = await call('GET', `${APPS}/does-not-exist`);
    assert.equal(res.status, 404);
    assert.equal(typeof res.body.message, 'string');
  });

  test('GET list has totalResults, startIndex, count and applications[], pages with limit/offset', async () => {
    for (const name of ['List A', 'List B', 'List C']) assert.equal((await call('POST', APPS, appBody(name))).status, 201);
    const all = await call('GET', APPS);
    assert.equal(all.status, 200);
    assert.equal(all.body.startIndex, 1);
    assert.equal(all.body.count, all.body.applications.length);
    assert.equal(all.body.totalResults, all.body.applications.length);
    assert.ok(all.body.totalResults >= 3);
    const item = all.body.applications.find((a: { name: string }) => a.name === 'List B');
    assert.ok(item);
    assert.equal(item.self, `${server.url}${APPS}/${item.id}`);
    assert.equal(typeof item.clientId, 'string');

    const page = await call('GET', `${APPS}?limit=2&offset=1`);
    assert.equal(page.status, 200);
    assert.equal(page.body.totalResults, all.body.totalResults);
    assert.equal(page.body.startIndex, 2);
    assert.equal(page.body.count, 2);
    assert.deepEqual(page.body.applications.map((a: { id: string }) => a.id), all.body.applications.slice(1, 3).map((a: { id: string }) => a.id));

    for (const offset of [all.body.totalResults, '99999999999999999999']) {
      const beyond = await call('GET', `${APPS}?limit=5&offset=${offset}`);
      assert.equal(beyond.status, 200, JSON.stringify(beyond.body));
      assert.equal(beyond.body.count, 0);
      assert.deepEqual(beyond.body.applications, []);
    }
  });

  test('GET list with filter=name eq … returns only that application', async () => {
    const quoted = await call('GET', `${APPS}?filter=${encodeURIComponent('name eq "List B"')}`);
    assert.equal(quoted.status, 200);
    assert.equal(quoted.body.totalResults, 1);
    assert.equal(quoted.body.applications[0].name, 'List B');
    const bare = await call('GET', `${APPS}?filter=${encodeURIComponent('name eq Wiki')}`);
    assert.equal(bare.body.totalResults, 1);
    assert.equal(bare.body.applications[0].name, 'Wiki');
    const none = await call('GET', `${APPS}?filter=${encodeURIComponent('name eq Nothing')}`);
    assert.equal(none.body.totalResults, 0);
  });

  test('filters with sw, ew and co ignore case beyond A–Z too (SQLite\'s own lower() folds ASCII only)', async () => {
    assert.equal((await call('POST', APPS, appBody('Ärzte Portal'))).status, 201);
    for (const filter of ['name sw "ärzte"', 'name sw "ÄRZTE"', 'name co "RZTE p"', 'name ew "E PORTAL"']) {
      const res = await call('GET', `${APPS}?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.applications.map((a: { name: string }) => a.name), ['Ärzte Portal'], filter);
    }
  });

  test('bad list parameters are 400 naming the problem', async () => {
    const filter = await call('GET', `${APPS}?filter=${encodeURIComponent('name gt x')}`);
    assert.equal(filter.status, 400);
    assert.match(filter.body.message, /filter/);
    const limit = await call('GET', `${APPS}?limit=abc`);
    assert.equal(limit.status, 400);
    assert.match(limit.body.message, /limit/);
    const offset = await call('GET', `${APPS}?offset=-1`);
    assert.equal(offset.status, 400);
    assert.match(offset.body.message, /offset/);
  });

  test('inbound-protocols/oidc returns clientId and clientSecret for a confidential client', async () => {
    const created = await call('POST', APPS, appBody('Confidential'));
    const res = await call('GET', `${APPS}/${created.body.id}/inbound-protocols/oidc`);
    assert.equal(res.status, 200);
    assert.equal(res.body.clientId, created.body.clientId);
    assert.equal(typeof res.body.clientSecret, 'string');
    assert.ok(res.body.clientSecret.length >= 32);
    assert.equal(res.body.publicClient, false);
    assert.deepEqual(res.body.callbackURLs, ['https://app.example.com/callback']);
  });

  test('inbound-protocols/oidc has no secret for a public client, and PKCE is mandatory', async () => {
    const created = await call('POST', APPS, appBody('Public SPA', {
      inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['http://localhost:3000/cb'], publicClient: true } },
    }));
    assert.equal(created.status, 201);
    const res = await call('GET', `${APPS}/${created.body.id}/inbound-protocols/oidc`);
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.clientId, 'string');
    assert.equal(res.body.clientSecret, undefined);
    assert.equal(res.body.publicClient, true);
    assert.equal(res.body.pkce.mandatory, true);
    assert.equal(res.body.clientAuthentication.tokenEndpointAuthMethod, 'none');
  });

  test('PATCH updates name, callback URLs and the sequence, storing the alias basic as BasicAuthenticator', async () => {
    const created = await call('POST', APPS, appBody('Before Patch'));
    const id = created.body.id as string;
    const res = await call('PATCH', `${APPS}/${id}`, {
      name: 'After Patch',
      inboundProtocolConfiguration: { oidc: { callbackURLs: ['https://new.example.com/cb', 'http://localhost:9000/cb'] } },
      authenticationSequence: { type: 'USER_DEFINED', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }], subjectStepId: 1, attributeStepId: 1 },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'After Patch');
    assert.equal(res.body.description, 'Before Patch description', 'fields not in the PATCH stay');
    assert.deepEqual(res.body.inboundProtocolConfiguration.oidc.grantTypes, ['authorization_code', 'refresh_token'], 'oidc fields not in the PATCH stay');

    const stored = await call('GET', `${APPS}/${id}`);
    assert.equal(stored.body.name, 'After Patch');
    assert.deepEqual(stored.body.inboundProtocolConfiguration.oidc.callbackURLs, ['https://new.example.com/cb', 'http://localhost:9000/cb']);
    assert.deepEqual(stored.body.authenticationSequence, {
      type: 'USER_DEFINED', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] }], subjectStepId: 1, attributeStepId: 1,
    });
    const oidc = await call('GET', `${APPS}/${id}/inbound-protocols/oidc`);
    assert.equal(oidc.body.clientId, created.body.clientId, 'PATCH keeps the client id');
  });

  test('PATCH with an invalid value is 400 and changes nothing', async () => {
    const created = await call('POST', APPS, appBody('Patch Guard'));
    const res = await call('PATCH', `${APPS}/${created.body.id}`, { name: 'Renamed', inboundProtocolConfiguration: { oidc: { callbackURLs: ['not a url'] } } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /callbackURLs\[0\]/);
    const stored = await call('GET', `${APPS}/${created.body.id}`);
    assert.equal(stored.body.name, 'Patch Guard');
  });

  test('DELETE answers 204, then the application is 404', async () => {
    const created = await call('POST', APPS, appBody('Short Lived'));
    const res = await call('DELETE', `${APPS}/${created.body.id}`);
    assert.equal(res.status, 204);
    assert.equal((await call('GET', `${APPS}/${created.body.id}`)).status, 404);
    assert.equal((await call('GET', `${APPS}/${created.body.id}/inbound-protocols/oidc`)).status, 404);
    assert.equal((await call('DELETE', `${APPS}/${created.body.id}`)).status, 404);
    const list = await call('GET', `${APPS}?filter=${encodeURIComponent('name eq "Short Lived"')}`);
    assert.equal(list.body.totalResults, 0);
  });

  test('a duplicate name is 409, on POST and on PATCH', async () => {
    assert.equal((await call('POST', APPS, appBody('Unique'))).status, 201);
    const dup = await call('POST', APPS, appBody('Unique'));
    assert.equal(dup.status, 409);
    assert.match(dup.body.message, /Unique/);
    const other = await call('POST', APPS, appBody('Other'));
    const rename = await call('PATCH', `${APPS}/${other.body.id}`, { name: 'Unique' });
    assert.equal(rename.status, 409);
  });

  test('GET /api/server/v1/authenticators lists BasicAuthenticator with the alias basic', async () => {
    const res = await call('GET', '/api/server/v1/authenticators');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body));
    const basic = res.body.find((a: { name: string }) => a.name === 'BasicAuthenticator');
    assert.ok(basic, 'BasicAuthenticator is listed');
    assert.ok(basic.aliases.includes('basic'));
    assert.equal(basic.type, 'LOCAL');
    assert.equal(basic.isEnabled, true);
    assert.deepEqual(basic.amr, ['pwd']);
    assert.equal(typeof basic.displayName, 'string');
  });

  test('the API refuses callers without credentials (401) and with wrong ones (401)', async () => {
    assert.equal((await api(server, 'GET', APPS)).status, 401);
    const bad = await api(server, 'GET', APPS, { auth: `Basic ${Buffer.from('nobody:wrong-password').toString('base64')}` });
    assert.equal(bad.status, 401);
    assert.equal(typeof bad.body.message, 'string');
  });
});
