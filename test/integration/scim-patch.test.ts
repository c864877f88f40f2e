// SCIM PATCH (RFC 7644 §3.5.2) on /scim2/Users/{id}, with the messages provisioning clients
// really send (Microsoft Entra ID, Okta): the answer is the whole changed user, the change
// is checked like a PUT, and concurrent PATCHes never lose each other's changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

for (const dialect of DIALECTS) {
  describe(`SCIM PATCH /scim2/Users/{id} (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const scim = (method: string, path: string, body?: unknown) =>
      api(server, method, path, { auth: server.adminAuth, type: 'application/scim+json', body });
    const patch = (id: string, Operations: unknown[]) => scim('PATCH', `/scim2/Users/${id}`, { schemas: [PATCH_OP], Operations });

    before(async () => {
      server = await startServer({ dialect });
      app = await registerApp(server);
    });
    after(() => server.close());

    test('Entra ID\'s messages: a work email added, a given name replaced, the account disabled; the answer is the user as GET shows it', async () => {
      const user = await createScimUser(server, { userName: 'nora', password: 'nora-password-1' });
      const emailed = await patch(user.id, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'nora@example.com' }]);
      assert.equal(emailed.status, 200, JSON.stringify(emailed.body));
      assert.match(emailed.headers.get('content-type') ?? '', /application\/scim\+json/);
      assert.equal(emailed.body.emails?.[0]?.value, 'nora@example.com');
      const renamed = await patch(user.id, [{ op: 'Replace', path: 'name.givenName', value: 'Nora' }]);
      assert.equal(renamed.body.name.givenName, 'Nora');
      assert.equal(renamed.body.name.familyName, 'User', 'the rest of name stays');
      assert.equal(renamed.body.emails[0].value, 'nora@example.com', 'and so do the other attributes');
      const moved = await patch(user.id, [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'nora@new.example' }]);
      assert.equal(moved.status, 200, `Entra ID's update of the address it added: ${JSON.stringify(moved.body)}`);
      assert.deepEqual(moved.body.emails, [{ value: 'nora@new.example', type: 'work', primary: true }]);
      // Attributes Gatehouse does not keep ride along in Entra ID's default mappings: ignored, as a PUT ignores them.
      const mapped = await patch(user.id, [
        { op: 'Add', path: 'displayName', value: 'Nora User' },
        { op: 'Add', path: 'externalId', value: '7c1f0e1a' },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Research' },
      ]);
      assert.equal(mapped.status, 200, JSON.stringify(mapped.body));
      assert.ok(!('displayName' in mapped.body) && !('externalId' in mapped.body));
      assert.equal(mapped.body.meta.version, moved.body.meta.version, 'nothing Gatehouse keeps changed: no new version');
      const disabled = await patch(user.id, [{ op: 'Replace', path: 'active', value: 'False' }]);
      assert.equal(disabled.body.active, false);
      const shown = await scim('GET', `/scim2/Users/${user.id}`);
      assert.deepEqual(shown.body, disabled.body);
      assert.ok(Number(/"(\d+)"/.exec(shown.body.meta.version)?.[1]) >= 5, 'each PATCH that changed something is a new version');
    });

    test('Okta\'s message (replace without a path) and a new password through PATCH, which then signs in', async () => {
      const user = await createScimUser(server, { userName: 'omar', password: 'omar-password-1' });
      const res = await patch(user.id, [{ op: 'replace', value: { active: true, password: 'omars-new-password' } }]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(!('password' in res.body), 'the password is never returned');
      const login = (password: string) => passwordLogin({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'omar', password });
      assert.ok((await login('omars-new-password')).tokens, 'the new password signs in');
      assert.equal((await login('omar-password-1')).tokens, undefined, 'the old one no longer does');
    });

    test('bad PATCHes are 400 in the SCIM error shape, with the scimType that says why; an unknown user is 404', async () => {
      const user = await createScimUser(server, { userName: 'pia', password: 'pia-password-1' });
      const cases: [unknown, string][] = [
        [{ schemas: ['urn:example:wrong'], Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax'],
        [{ schemas: [PATCH_OP], Operations: [] }, 'invalidSyntax'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 'noTarget'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'shoeSize', value: 'p' }] }, 'invalidPath'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'someone-else' }] }, 'mutability'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] }, 'invalidValue'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: [{ value: 'not an address', primary: true }] }] }, 'invalidValue'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'short' }] }, 'invalidValue'],
      ];
      for (const [body, scimType] of cases) {
        const res = await scim('PATCH', `/scim2/Users/${user.id}`, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
        assert.equal(res.body.scimType, scimType, JSON.stringify(body));
        assert.ok(typeof res.body.detail === 'string' && res.body.detail.length > 0);
      }
      const unchanged = await scim('GET', `/scim2/Users/${user.id}`);
      assert.equal(unchanged.body.meta.version, 'W/"1"', 'no failed PATCH changed the user');
      const ghost = await patch('does-not-exist', [{ op: 'replace', path: 'active', value: false }]);
      assert.equal(ghost.status, 404);
    });

    test('twelve concurrent PATCHes adding a role each: every role is there afterwards', async () => {
      const user = await createScimUser(server, { userName: 'quinn', password: 'quinn-password-1' });
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => patch(user.id, [{ op: 'add', path: 'roles', value: [{ value: `team-${i}` }] }])));
      assert.deepEqual(answers.map((a) => a.status), Array(12).fill(200));
      const roles = ((await scim('GET', `/scim2/Users/${user.id}`)).body.roles as { value: string }[]).map((r) => r.value).sort();
      assert.deepEqual(roles, Array.from({ length: 12 }, (_, i) => `team-${i}`).sort(), 'no PATCH wrote over another\'s role');
    });

    test('a PATCH is in the audit log as a user update naming what changed', async () => {
      const user = await createScimUser(server, { userName: 'rosa', password: 'rosa-password-1' });
      await patch(user.id, [{ op: 'replace', path: 'active', value: false }]);
      const events = await api(server, 'GET', `/api/server/v1/audit-logs?userId=${user.id}&type=user_updated`, { auth: server.adminAuth });
      assert.equal(events.status, 200);
      const [latest] = events.body.events as { actor: { username?: string }; details: Record<string, unknown> }[];
      assert.equal(latest?.actor.username, 'admin');
      assert.deepEqual(latest?.details, { before: { active: true }, after: { active: false }, passwordChanged: false, sessionsRevoked: true });
    });

    test('two users renamed to one free name at once: one is renamed, the other gets 409 uniqueness (not a server error)', async () => {
      const [a, b] = await Promise.all([createScimUser(server, { userName: 'rename-a', password: 'rename-a-password' }), createScimUser(server, { userName: 'rename-b', password: 'rename-b-password' })]);
      // With new passwords, both pass the name check before either writes.
      const answers = await Promise.all([a, b].map((u, i) => patch(u.id, [{ op: 'replace', value: { userName: 'rename-target', password: `rename-password-${i}-new` } }])));
      assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409], JSON.stringify(answers.map((r) => r.body)));
      const refused = answers.find((r) => r.status === 409)!;
      assert.equal(refused.body.scimType, 'uniqueness');
    });
  });
}
