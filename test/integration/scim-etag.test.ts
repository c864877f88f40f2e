// SCIM versions as ETags (RFC 7644 §3.14): If-Match makes PUT, PATCH and DELETE refuse to
// write over a version the client has not seen (412), atomically even when requests race;
// If-None-Match lets GET answer 304.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser } from '../helpers/api.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

for (const dialect of DIALECTS) {
  describe(`SCIM ETags and If-Match (${dialect})`, () => {
    let server: TestServer;
    const scim = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
      api(server, method, path, { auth: server.adminAuth, type: 'application/scim+json', ...options });
    const putBody = (userName: string, givenName: string) => ({ schemas: [USER_SCHEMA], userName, name: { givenName, familyName: 'Tag' } });
    const patchBody = (givenName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: givenName }] });

    before(async () => { server = await startServer({ dialect }); });
    after(() => server.close());

    test('every answer carries the version as ETag; If-None-Match with it is a 304 without a body', async () => {
      const created = await createScimUser(server, { userName: 'etta', password: 'etta-password-1' });
      const got = await scim('GET', `/scim2/Users/${created.id}`);
      const etag = got.headers.get('etag');
      assert.ok(etag, 'GET answers an ETag');
      assert.equal(etag, got.body.meta.version);
      const cached = await scim('GET', `/scim2/Users/${created.id}`, { headers: { 'if-none-match': etag } });
      assert.equal(cached.status, 304);
      assert.equal(cached.body, undefined);
      const put = await scim('PUT', `/scim2/Users/${created.id}`, { body: putBody('etta', 'Etta') });
      assert.equal(put.status, 200);
      assert.notEqual(put.headers.get('etag'), etag, 'a change is a new ETag');
      assert.equal(put.headers.get('etag'), put.body.meta.version);
      const changed = await scim('GET', `/scim2/Users/${created.id}`, { headers: { 'if-none-match': etag } });
      assert.equal(changed.status, 200, 'the old ETag no longer matches');
      assert.equal(changed.body.name.givenName, 'Etta');
    });

    test('PUT, PATCH and DELETE with a stale If-Match are 412 and change nothing; with the current one they go through', async () => {
      const created = await createScimUser(server, { userName: 'ivo', password: 'ivo-password-1' });
      const stale = (await scim('GET', `/scim2/Users/${created.id}`)).headers.get('etag')!;
      const current = (await scim('PATCH', `/scim2/Users/${created.id}`, { body: patchBody('Ivo') })).headers.get('etag')!;

      const refusals = [
        await scim('PUT', `/scim2/Users/${created.id}`, { body: putBody('ivo', 'Overwritten'), headers: { 'if-match': stale } }),
        await scim('PATCH', `/scim2/Users/${created.id}`, { body: patchBody('Overwritten'), headers: { 'if-match': stale } }),
        await scim('DELETE', `/scim2/Users/${created.id}`, { headers: { 'if-match': stale } }),
      ];
      for (const res of refusals) {
        assert.equal(res.status, 412, JSON.stringify(res.body));
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
        assert.match(res.body.detail, /read it again/);
      }
      const unchanged = await scim('GET', `/scim2/Users/${created.id}`);
      assert.equal(unchanged.body.name.givenName, 'Ivo');
      assert.equal(unchanged.headers.get('etag'), current);

      const put = await scim('PUT', `/scim2/Users/${created.id}`, { body: putBody('ivo', 'Ivan'), headers: { 'if-match': current } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const patched = await scim('PATCH', `/scim2/Users/${created.id}`, { body: patchBody('Iva'), headers: { 'if-match': `"x", ${put.headers.get('etag')}` } });
      assert.equal(patched.status, 200, 'any tag of a list may match');
      const strong = patched.headers.get('etag')!.replace(/^W\//, '');
      const deleted = await scim('DELETE', `/scim2/Users/${created.id}`, { headers: { 'if-match': strong } });
      assert.equal(deleted.status, 204, 'tags compare weakly, as in SCIM\'s examples');
      assert.equal((await scim('GET', `/scim2/Users/${created.id}`)).status, 404);
    });

    test('If-Match: * needs only an existing user; a malformed If-Match is a 400', async () => {
      const created = await createScimUser(server, { userName: 'star', password: 'star-password-1' });
      assert.equal((await scim('PATCH', `/scim2/Users/${created.id}`, { body: patchBody('Star'), headers: { 'if-match': '*' } })).status, 200);
      assert.equal((await scim('PATCH', '/scim2/Users/no-such-user', { body: patchBody('Star'), headers: { 'if-match': '*' } })).status, 404);
      const malformed = await scim('PUT', `/scim2/Users/${created.id}`, { body: putBody('star', 'Bad'), headers: { 'if-match': '3' } });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.scimType, 'invalidSyntax');
      assert.match(malformed.body.detail, /If-Match must be \* or entity tags/);
    });

    test('writes without If-Match never share a version: two racing PUTs leave it two higher, each answer with its own', async () => {
      const created = await createScimUser(server, { userName: 'twins', password: 'twins-password-1' });
      const start = Number(/"(\d+)"/.exec((await scim('GET', `/scim2/Users/${created.id}`)).body.meta.version)![1]);
      // Passwords again, so both have read the user before either writes.
      const answers = await Promise.all([0, 1].map((i) =>
        scim('PUT', `/scim2/Users/${created.id}`, { body: { ...putBody('twins', `Twin ${i}`), password: `twins-password-${i}-new` } })));
      assert.deepEqual(answers.map((a) => a.status), [200, 200]);
      const final = await scim('GET', `/scim2/Users/${created.id}`);
      assert.equal(final.body.meta.version, `W/"${start + 2}"`, 'each write is a version of its own');
    });

    test('ten PUTs racing with the same If-Match: exactly one is written, the other nine are 412', async () => {
      const created = await createScimUser(server, { userName: 'race', password: 'race-password-1' });
      const etag = (await scim('GET', `/scim2/Users/${created.id}`)).headers.get('etag')!;
      // Each sets a password too: its hash lies between the read that checks the tag and the
      // write, so every writer has checked before any has written.
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        scim('PUT', `/scim2/Users/${created.id}`, { body: { ...putBody('race', `Writer ${i}`), password: `race-password-${i}-new` }, headers: { 'if-match': etag } })));
      const written = answers.filter((a) => a.status === 200);
      assert.equal(written.length, 1, `statuses: ${answers.map((a) => a.status).join(', ')}`);
      assert.equal(answers.filter((a) => a.status === 412).length, 9);
      const final = await scim('GET', `/scim2/Users/${created.id}`);
      assert.equal(final.body.name.givenName, written[0]!.body.name.givenName, 'the one answered 200 is the one kept');
      assert.equal(final.body.meta.version, written[0]!.body.meta.version);
    });
  });
}
