// SCIM discovery (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas answer
// without credentials, per tenant, and say what the server really does: the User schema
// they publish is exactly what /Users keeps and returns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { api } from '../helpers/api.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

interface Attribute { name: string; type: string; mutability: string; returned: string; multiValued: boolean; subAttributes?: Attribute[] }

describe('SCIM discovery', () => {
  let server: TestServer;
  const anonymous = (path: string) => api(server, 'GET', path);

  before(async () => {
    server = await startServer();
    const tenant = await api(server, 'POST', '/api/server/v1/tenants', {
      auth: server.adminAuth, body: { domain: 'acme.com', owner: { username: 'owner', password: 'acme-owner-password-1' } },
    });
    assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  });
  after(() => server.close());

  test('ServiceProviderConfig answers without credentials and names what is supported', async () => {
    const res = await anonymous('/scim2/ServiceProviderConfig');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    assert.deepEqual(res.body.patch, { supported: true });
    assert.equal(res.body.bulk.supported, false);
    assert.equal(res.body.sort.supported, false);
    assert.equal(res.body.etag.supported, true);
    assert.deepEqual(res.body.filter, { supported: true, maxResults: 1000 });
    assert.deepEqual(res.body.authenticationSchemes.map((s: { type: string }) => s.type), ['oauthbearertoken', 'httpbasic']);
    assert.equal(res.body.meta.location, `${server.url}/scim2/ServiceProviderConfig`);
  });

  test('ResourceTypes lists User at /Users; one resource type by id; an unknown one is a SCIM 404', async () => {
    const list = await anonymous('/scim2/ResourceTypes');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.schemas, [LIST_SCHEMA]);
    assert.equal(list.body.totalResults, 1);
    const [user] = list.body.Resources;
    assert.equal(user.id, 'User');
    assert.equal(user.endpoint, '/Users');
    assert.equal(user.schema, USER_SCHEMA);
    const one = await anonymous('/scim2/ResourceTypes/User');
    assert.deepEqual(one.body, user);
    const unknown = await anonymous('/scim2/ResourceTypes/Group');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body.schemas, [ERROR_SCHEMA]);
    assert.match(unknown.body.detail, /Group not found/);
  });

  test('the published User schema is what /Users keeps and returns, attribute for attribute', async () => {
    const list = await anonymous('/scim2/Schemas');
    assert.equal(list.status, 200);
    assert.equal(list.body.totalResults, 1);
    const schema = (await anonymous(`/scim2/Schemas/${USER_SCHEMA}`)).body;
    assert.deepEqual(list.body.Resources[0], schema);
    assert.equal(schema.id, USER_SCHEMA);
    const attributes = schema.attributes as Attribute[];

    // A user given every attribute the schema lets a client write.
    const created = await api(server, 'POST', '/scim2/Users', {
      auth: server.adminAuth, type: 'application/scim+json',
      body: {
        schemas: [USER_SCHEMA], userName: 'every-attribute', password: 'every-attribute-pw-1', active: false, locale: 'fr-FR',
        name: { givenName: 'Eve', familyName: 'Rie', formatted: 'Eve Rie' },
        emails: [{ value: 'eve@example.com', type: 'work', primary: true }],
        roles: [{ value: 'auditor' }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const user = (await api(server, 'GET', `/scim2/Users/${created.body.id}`, { auth: server.adminAuth })).body as Record<string, unknown>;

    const returned = (attrs: Attribute[]) => attrs.filter((a) => a.returned !== 'never').map((a) => a.name).sort();
    const core = Object.keys(user).filter((key) => !['schemas', 'id', 'meta'].includes(key)).sort();
    assert.deepEqual(core, returned(attributes), 'GET returns exactly the attributes the schema says it returns');
    assert.ok(!('password' in user), 'the writeOnly password is never returned');
    for (const attribute of attributes.filter((a) => a.subAttributes)) {
      const value = user[attribute.name];
      const sample = (attribute.multiValued ? (value as Record<string, unknown>[])[0] : value) as Record<string, unknown>;
      assert.deepEqual(Object.keys(sample).sort(), returned(attribute.subAttributes!), `${attribute.name}'s sub-attributes`);
    }
    const unknown = await anonymous('/scim2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    assert.equal(unknown.status, 404);
  });

  test('each tenant answers under its own path; an unknown tenant is a 404', async () => {
    const acme = await anonymous('/t/acme.com/scim2/ResourceTypes/User');
    assert.equal(acme.status, 200);
    assert.equal(acme.body.meta.location, `${server.url}/t/acme.com/scim2/ResourceTypes/User`);
    const nowhere = await anonymous('/t/nowhere.example/scim2/ServiceProviderConfig');
    assert.equal(nowhere.status, 404);
    // /Users in a tenant that does not exist: 404 too, not 401 (no credentials can be judged there).
    const users = await api(server, 'GET', '/t/nowhere.example/scim2/Users', { auth: server.adminAuth });
    assert.equal(users.status, 404);
    assert.deepEqual(users.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    const apps = await api(server, 'GET', '/t/nowhere.example/api/server/v1/applications', { auth: server.adminAuth });
    assert.equal(apps.status, 404);
  });

  test('a filter on the discovery endpoints is a 403, not the whole list read as its answer (RFC 7644 §4)', async () => {
    for (const path of ['/scim2/Schemas', '/scim2/ResourceTypes', '/scim2/ServiceProviderConfig']) {
      const res = await anonymous(`${path}?filter=${encodeURIComponent('id eq "x"')}`);
      assert.equal(res.status, 403, path);
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
      assert.match(res.body.detail, /take no filter/);
    }
  });

  test('wrong credentials sent anyway are refused, not ignored', async () => {
    const res = await api(server, 'GET', '/scim2/ServiceProviderConfig', { auth: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` });
    assert.equal(res.status, 401);
  });
});

describe('SCIM discovery with HTTP Basic turned off', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ overrides: { admin_api: { allow_basic_auth: false } } }); });
  after(() => server.close());

  test('offers only bearer tokens', async () => {
    const res = await api(server, 'GET', '/scim2/ServiceProviderConfig');
    assert.deepEqual(res.body.authenticationSchemes.map((s: { type: string }) => s.type), ['oauthbearertoken']);
  });
});
