// SCIM 2.0 /scim2/Users: the RFC 7643/7644 shapes of create, get, list, replace, delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import * as client from 'openid-client';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM /scim2/Users', () => {
  let server: TestServer;
  const scim = (method: string, path: string, body?: unknown) =>
    api(server, method, path, { auth: server.adminAuth, type: 'application/scim+json', body });
  const userBody = (userName: string, password?: string, email = `${userName}@example.com`) => ({
    schemas: [USER_SCHEMA],
    userName,
    ...(password === undefined ? {} : { password }),
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: email, primary: true }],
  });

  before(async () => { server = await startServer(); });
  after(() => server.close());

  test('create answers 201 with Location, meta and no password', async () => {
    const res = await scim('POST', '/scim2/Users', userBody('ada', 'correct horse battery'));
    assert.equal(res.status, 201);
    assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
    const body = res.body;
    assert.deepEqual(body.schemas, [USER_SCHEMA]);
    assert.equal(typeof body.id, 'string');
    assert.equal(body.userName, 'ada');
    assert.deepEqual(body.name, { givenName: 'Ada', familyName: 'Lovelace' });
    assert.deepEqual(body.emails, [{ value: 'ada@example.com', type: 'work', primary: true }], 'the one address kept, as the work address');
    assert.equal(res.headers.get('location'), `${server.url}/scim2/Users/${body.id}`);
    assert.equal(body.meta.resourceType, 'User');
    assert.equal(body.meta.location, res.headers.get('location'));
    assert.ok(!Number.isNaN(Date.parse(body.meta.created)));
    assert.ok(!Number.isNaN(Date.parse(body.meta.lastModified)));
    assert.match(body.meta.version, /^W\/".+"$/);
    assert.ok(!('password' in body));
    assert.ok(!JSON.stringify(body).includes('correct horse battery'));
    assert.ok(!JSON.stringify(body).includes('argon2'));
  });

  test('get returns the user by id without a password', async () => {
    const created = await createScimUser(server, { userName: 'grace', password: 'grace-password-1', email: 'grace@example.com' });
    const res = await scim('GET', `/scim2/Users/${created.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.id);
    assert.equal(res.body.userName, 'grace');
    assert.equal(res.body.emails[0].value, 'grace@example.com');
    assert.equal(res.body.meta.location, `${server.url}/scim2/Users/${created.id}`);
    assert.ok(!('password' in res.body));
  });

  test('get of an unknown id is 404 in the SCIM error shape', async () => {
    const res = await scim('GET', '/scim2/Users/does-not-exist');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
    assert.equal(res.body.status, '404');
    assert.equal(typeof res.body.detail, 'string');
  });

  test('list with filter=userName eq "…" returns a ListResponse with only that user', async () => {
    await createScimUser(server, { userName: 'linus', password: 'linus-password-1' });
    await createScimUser(server, { userName: 'linda', password: 'linda-password-1' });
    const res = await scim('GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "linus"')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.schemas, [LIST_SCHEMA]);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.startIndex, 1);
    assert.equal(res.body.itemsPerPage, 1);
    assert.equal(res.body.Resources.length, 1);
    assert.equal(res.body.Resources[0].userName, 'linus');
    assert.ok(!('password' in res.body.Resources[0]));

    const none = await scim('GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "nobody"')}`);
    assert.equal(none.status, 200);
    assert.equal(none.body.totalResults, 0);
    assert.deepEqual(none.body.Resources, []);
  });

  test('list without a filter counts every user and pages with startIndex and count', async () => {
    const all = await scim('GET', '/scim2/Users');
    assert.equal(all.status, 200);
    assert.ok(all.body.totalResults >= 4); // admin + users created above
    assert.equal(all.body.Resources.length, all.body.totalResults);
    const page = await scim('GET', '/scim2/Users?startIndex=2&count=1');
    assert.equal(page.body.totalResults, all.body.totalResults);
    assert.equal(page.body.startIndex, 2);
    assert.equal(page.body.itemsPerPage, 1);
    assert.equal(page.body.Resources[0].id, all.body.Resources[1].id);
    // Past the end, however far (beyond any integer the store takes), is an empty page.
    for (const startIndex of [all.body.totalResults + 1, '99999999999999999999']) {
      const beyond = await scim('GET', `/scim2/Users?startIndex=${startIndex}`);
      assert.equal(beyond.status, 200, JSON.stringify(beyond.body));
      assert.deepEqual(beyond.body.Resources, []);
      assert.equal(beyond.body.totalResults, all.body.totalResults);
    }
  });

  test('an address the router cannot read is a SCIM error that says what is wrong, not an echo of it', async () => {
    const broken = await scim('GET', '/scim2/Users/%E0%A4%A');
    assert.equal(broken.status, 400);
    assert.deepEqual(broken.body.schemas, [ERROR_SCHEMA]);
    assert.match(broken.body.detail, /broken %-encoding/);
    const long = await scim('GET', `/scim2/Users/${'x'.repeat(101)}`);
    assert.equal(long.status, 414);
    assert.deepEqual(long.body.schemas, [ERROR_SCHEMA]);
    assert.match(long.body.detail, /too long/);
    assert.ok(!long.body.detail.includes('xxxx'));
  });

  test('an invalid filter is 400 with scimType invalidFilter', async () => {
    for (const filter of ['userName co "a"', 'emails eq "x@example.com"', 'userName eq', 'garbage']) {
      const res = await scim('GET', `/scim2/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 400, filter);
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
      assert.equal(res.body.status, '400');
      assert.equal(res.body.scimType, 'invalidFilter');
      assert.match(res.body.detail, /filter/);
    }
  });

  test('replace (PUT) changes attributes and the password: the old one stops working, the new one works', async () => {
    const created = await createScimUser(server, { userName: 'margaret', password: 'old-password-123', email: 'm@example.com' });
    const app = await registerApp(server);
    const login = (password: string) => passwordLogin({
      issuer: `${server.url}/oauth2/token`, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'margaret', password,
    });
    assert.ok((await login('old-password-123')).tokens, 'the first password works before the change');

    const res = await scim('PUT', `/scim2/Users/${created.id}`, { ...userBody('margaret', 'new-password-456', 'hamilton@example.com'), name: { givenName: 'Margaret', familyName: 'Hamilton' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.id);
    assert.equal(res.body.emails[0].value, 'hamilton@example.com');
    assert.equal(res.body.name.familyName, 'Hamilton');
    assert.ok(!('password' in res.body));
    assert.notEqual(res.body.meta.version, (created as { meta?: { version?: string } }).meta?.version, 'replace bumps the version');

    const fetched = await scim('GET', `/scim2/Users/${created.id}`);
    assert.equal(fetched.body.emails[0].value, 'hamilton@example.com');
    assert.equal(fetched.body.meta.version, res.body.meta.version);

    const old = await login('old-password-123');
    assert.equal(old.tokens, undefined, 'the old password is refused');
    assert.match(old.page, /The username or password is incorrect/);
    const fresh = await login('new-password-456');
    assert.ok(fresh.tokens, 'the new password signs in');
  });

  test('replace without a password keeps the current one', async () => {
    const created = await createScimUser(server, { userName: 'barbara', password: 'barbara-pass-1' });
    const res = await scim('PUT', `/scim2/Users/${created.id}`, userBody('barbara', undefined, 'liskov@example.com'));
    assert.equal(res.status, 200);
    const app = await registerApp(server);
    const result = await passwordLogin({
      issuer: `${server.url}/oauth2/token`, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'barbara', password: 'barbara-pass-1',
    });
    assert.ok(result.tokens);
  });

  test('replace of an unknown id is 404', async () => {
    const res = await scim('PUT', '/scim2/Users/does-not-exist', userBody('ghost', 'ghost-password-1'));
    assert.equal(res.status, 404);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  });

  test('delete answers 204, then the user is 404 and absent from the list', async () => {
    const created = await createScimUser(server, { userName: 'temporary', password: 'temporary-pass-1' });
    const res = await scim('DELETE', `/scim2/Users/${created.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    const gone = await scim('GET', `/scim2/Users/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.status, '404');
    const list = await scim('GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "temporary"')}`);
    assert.equal(list.body.totalResults, 0);
    const again = await scim('DELETE', `/scim2/Users/${created.id}`);
    assert.equal(again.status, 404);
  });

  test('delete ends the user\'s sessions and tokens (introspection says inactive) and keeps nothing of theirs but the audit log', async () => {
    const created = await createScimUser(server, { userName: 'leaving', password: 'leaving-pass-1' });
    const app = await registerApp(server, { name: 'Leaving app' });
    const signIn = (password: string) => passwordLogin({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'leaving', password, scope: 'openid' });
    const login = await signIn('leaving-pass-1');
    assert.ok(login.tokens);
    assert.equal((await signIn('not-the-password')).tokens, undefined, 'a failed attempt is counted');
    const db = server.deps.store.db;
    await db.insertInto('totp_credential').values({ tenant_id: server.tenant.id, user_id: created.id, status: 'active', secret: 'sealed', algorithm: 'SHA1', digits: 6, period: 30, last_used_step: null, created_at: 0 }).execute();
    const introspect = async () => (await client.tokenIntrospection(login.config, login.tokens!.access_token)).active;
    assert.equal(await introspect(), true);

    assert.equal((await scim('DELETE', `/scim2/Users/${created.id}`)).status, 204);
    assert.equal(await introspect(), false, 'a resource server no longer accepts the access token');
    assert.equal(await client.refreshTokenGrant(login.config, login.tokens!.refresh_token!).then(() => 'refreshed', (e: { error?: string }) => e.error), 'invalid_grant');
    const left = async (table: 'oidc_model' | 'totp_credential' | 'login_failure' | 'authn_session') => {
      const column = table === 'oidc_model' ? 'account_id' : 'user_id';
      return (await db.selectFrom(table).select(db.fn.countAll<number>().as('n')).where(column, '=', created.id).executeTakeFirstOrThrow()).n;
    };
    for (const table of ['oidc_model', 'totp_credential', 'login_failure', 'authn_session'] as const) assert.equal(Number(await left(table)), 0, table);
    const events = await api(server, 'GET', `/api/server/v1/audit-logs?userId=${created.id}`, { auth: server.adminAuth });
    assert.ok(events.body.events.some((e: { type: string }) => e.type === 'user_deleted'), 'the audit log keeps the user\'s events');
  });

  test('attribute names are case-insensitive on create and replace (RFC 7643 §2.1); one given twice in two cases is refused', async () => {
    const created = await scim('POST', '/scim2/Users', {
      schemas: [USER_SCHEMA], USERNAME: 'casey', PassWord: 'casey-Passw0rd-1',
      Name: { GivenName: 'Casey', FAMILYNAME: 'Jones' }, Emails: [{ Value: 'casey@example.com', Primary: true }], Roles: [{ VALUE: 'auditor' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.userName, 'casey');
    assert.deepEqual(created.body.name, { givenName: 'Casey', familyName: 'Jones' });
    assert.equal(created.body.emails[0].value, 'casey@example.com');
    assert.deepEqual(created.body.roles, [{ value: 'auditor' }]);

    const replaced = await scim('PUT', `/scim2/Users/${created.body.id}`, { username: 'casey', ACTIVE: false, password: 'casey-Passw0rd-2' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.active, false, '"ACTIVE": false disables the account');
    assert.equal(replaced.body.emails, undefined, 'a replace without emails removes them, whatever the case of the other names');

    const twice = await scim('POST', '/scim2/Users', { userName: 'dup', username: 'dup2' });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.scimType, 'invalidValue');
    assert.match(twice.body.detail, /userName is given twice/);
  });

  test('a profile stored before the claim rules does not block changes that leave it alone; changing it is checked', async () => {
    const created = await createScimUser(server, { userName: 'legacy.owner', password: 'legacy-Passw0rd-1' });
    // As a tenant owner created before owners' profiles were checked could be stored.
    await server.deps.store.db.updateTable('app_user').set({ claims: JSON.stringify({ email: 'owner', given_name: 'x'.repeat(300) }) })
      .where('id', '=', created.id).execute();
    const patch = (operations: unknown[]) => scim('PATCH', `/scim2/Users/${created.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
    const disabled = await patch([{ op: 'replace', path: 'active', value: false }]);
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    assert.equal(disabled.body.active, false);
    const password = await patch([{ op: 'replace', path: 'password', value: 'legacy-Passw0rd-2' }]);
    assert.equal(password.status, 200, 'a new password is not held up by the old email');
    const bad = await patch([{ op: 'replace', path: 'emails[type eq "work"].value', value: 'still not an address' }]);
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /is not an email address/);
  });

  test('calls without credentials are 401 in the SCIM error shape', async () => {
    const res = await api(server, 'GET', '/scim2/Users');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
    assert.equal(res.body.status, '401');
  });
});
