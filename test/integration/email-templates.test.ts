// The email template API (/api/server/v1/email/template-types…) on a real server: CRUD by
// locale over the built-in defaults, validation messages, 404/409, scopes, preview, the
// tenant's default locale, and isolation between carbon.super and acme.com.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basicAuth, ADMIN, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp } from '../helpers/api.js';

const TYPES = '/api/server/v1/email/template-types';
const TOTP = `${TYPES}/VE9UUA`;
const TEMPLATES = `${TOTP}/templates`;
const DEFAULT_SUBJECT = 'Here is your time-based one-time passcode (TOTP)';
const ACME = '/t/acme.com';
const OWNER = { username: 'owner', password: 'owner-Passw0rd!' };

const german = {
  id: 'de_DE',
  contentType: 'text/html',
  subject: 'Ihr Anmeldecode für {{organization-name}}',
  body: '<p>Hallo {{user.claim.givenname}},</p><p>Ihr Code: <b>{{token}}</b></p>',
  footer: '<p>{{tenant-domain}}</p>',
};

for (const dialect of DIALECTS) {
  describe(`email templates API (${dialect})`, () => {
    let server: TestServer;
    let admin: string;
    const acmeOwner = basicAuth(OWNER.username, OWNER.password);
    const call = (method: string, path: string, body?: unknown, auth?: string) => api(server, method, path, { auth: auth ?? admin, body });

    before(async () => {
      server = await startServer({ dialect });
      admin = server.adminAuth;
      const created = await call('POST', '/api/server/v1/tenants', { domain: 'acme.com', owner: { ...OWNER, email: 'owner@acme.com' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });
    after(() => server.close());

    test('lists the TOTP type under WSO2\'s id', async () => {
      const res = await call('GET', TYPES);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, [{ id: 'VE9UUA', displayName: 'TOTP', self: `${server.url}${TOTP}` }]);
    });

    test('a type shows its templates (the built-in en_US) and the placeholders it offers', async () => {
      const res = await call('GET', TOTP);
      assert.equal(res.status, 200);
      assert.equal(res.body.displayName, 'TOTP');
      assert.deepEqual(res.body.templates.map((t: { id: string; source: string }) => [t.id, t.source]), [['en_US', 'default']]);
      assert.equal(res.body.templates[0].subject, DEFAULT_SUBJECT);
      const names = res.body.placeholders.map((p: { name: string }) => p.name);
      for (const name of ['token', 'user-name', 'tenant-domain', 'organization-name', 'user.claim.<claim>']) assert.ok(names.includes(name), name);
    });

    test('an unknown type id is a 404 that lists the known ones; a malformed locale is a 400 with a hint', async () => {
      const missing = await call('GET', `${TYPES}/Tk9QRQ/templates`);
      assert.equal(missing.status, 404);
      assert.match(missing.body.message, /no email template type with id "Tk9QRQ".*VE9UUA \(TOTP\)/);
      const bad = await call('GET', `${TEMPLATES}/en-us`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /must look like en_US.*did you mean en_US\?/);
      assert.equal((await call('GET', `${TEMPLATES}/fr_FR`)).status, 404);
    });

    test('POST adds a locale (201, Location), GET reads it back, the list shows both', async () => {
      const res = await call('POST', TEMPLATES, german);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers.get('location'), `${server.url}${TEMPLATES}/de_DE`);
      assert.deepEqual(res.body.warnings, []);
      const got = await call('GET', `${TEMPLATES}/de_DE`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, { ...german, source: 'tenant' });
      const list = await call('GET', TEMPLATES);
      assert.deepEqual(list.body.map((t: { id: string; source: string }) => [t.id, t.source]), [['de_DE', 'tenant'], ['en_US', 'default']]);
      assert.equal(list.body[0].self, `${server.url}${TEMPLATES}/de_DE`);
    });

    test('POST for a locale that exists is a 409, a built-in default included', async () => {
      const again = await call('POST', TEMPLATES, german);
      assert.equal(again.status, 409);
      assert.match(again.body.message, /TOTP email template for de_DE already exists.*PUT/);
      const english = await call('POST', TEMPLATES, { ...german, id: 'en_US' });
      assert.equal(english.status, 409);
    });

    test('a TOTP template without {{token}} in its body is a 400 that says so, and nothing is saved', async () => {
      const res = await call('POST', TEMPLATES, { ...german, id: 'fr_FR', subject: 'Code {{token}}', body: '<p>Bonjour</p>' });
      assert.equal(res.status, 400);
      assert.match(res.body.message, /the TOTP template must contain \{\{token\}\} in its body/);
      assert.equal((await call('GET', `${TEMPLATES}/fr_FR`)).status, 404);
    });

    test('every validation problem is reported at once, with field names', async () => {
      const res = await call('POST', TEMPLATES, { id: 'fr-fr', contentType: 'application/json', subject: 'Line one\r\nBcc: x@example.com', body: 42 });
      assert.equal(res.status, 400);
      const message: string = res.body.message;
      assert.match(message, /id: locale "fr-fr" must look like en_US \(language_COUNTRY\); did you mean fr_FR\?/);
      assert.match(message, /contentType "application\/json" is not supported/);
      assert.match(message, /subject must be one line/);
      assert.match(message, /body must be a string/);
      const missing = await call('POST', TEMPLATES, { contentType: 'text/html' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /id \(the locale, e\.g\. en_US\) is required; subject is required; body is required/);
      const notObject = await call('POST', TEMPLATES, ['x']);
      assert.equal(notObject.status, 400);
      assert.match(notObject.body.message, /must be a JSON object/);
    });

    test('an unknown placeholder is saved with a warning and renders empty', async () => {
      const res = await call('POST', TEMPLATES, { id: 'nl_NL', contentType: 'text/plain', subject: 'Code', body: 'Hoi {{user.claim.givenname}}{{mood}}, code {{token}}' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.warnings.length, 1);
      assert.match(res.body.warnings[0], /unknown placeholder \{\{mood\}\} in the body renders empty/);
      const preview = await call('POST', `${TOTP}/preview`, { locale: 'nl_NL' });
      assert.equal(preview.status, 200);
      assert.equal(preview.body.text, 'Hoi Alex, code 482913');
      assert.equal(preview.body.html, undefined);
      assert.equal((await call('DELETE', `${TEMPLATES}/nl_NL`)).status, 204);
    });

    test('PUT replaces; the id in the body must match the path; an absent locale is a 404', async () => {
      const changed = { ...german, subject: 'Neuer Betreff {{token}}' };
      const res = await call('PUT', `${TEMPLATES}/de_DE`, changed);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.subject, 'Neuer Betreff {{token}}');
      assert.equal((await call('GET', `${TEMPLATES}/de_DE`)).body.subject, 'Neuer Betreff {{token}}');
      const mismatch = await call('PUT', `${TEMPLATES}/de_DE`, { ...changed, id: 'de_AT' });
      assert.equal(mismatch.status, 400);
      assert.match(mismatch.body.message, /id "de_AT" does not match the locale in the path \(de_DE\)/);
      const absent = await call('PUT', `${TEMPLATES}/fr_FR`, { subject: 'x', body: '{{token}}' });
      assert.equal(absent.status, 404);
      assert.match(absent.body.message, /add it with POST/);
    });

    test('PUT on en_US overrides the default; DELETE brings the default back', async () => {
      const res = await call('PUT', `${TEMPLATES}/en_US`, { contentType: 'text/plain', subject: 'Your code', body: 'Code: {{token}}' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const overridden = await call('GET', `${TEMPLATES}/en_US`);
      assert.deepEqual([overridden.body.subject, overridden.body.source], ['Your code', 'tenant']);
      assert.equal((await call('DELETE', `${TEMPLATES}/en_US`)).status, 204);
      const back = await call('GET', `${TEMPLATES}/en_US`);
      assert.deepEqual([back.body.subject, back.body.source, back.body.contentType], [DEFAULT_SUBJECT, 'default', 'text/html; charset=UTF-8']);
      // Already the default: deleting again changes nothing.
      assert.equal((await call('DELETE', `${TEMPLATES}/en_US`)).status, 204);
      assert.equal((await call('DELETE', `${TEMPLATES}/fr_FR`)).status, 404);
    });

    test('preview renders a saved template for a locale, or an unsaved one, with sample values', async () => {
      const saved = await call('POST', `${TOTP}/preview`, { locale: 'de_DE' });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.locale, 'de_DE');
      assert.equal(saved.body.source, 'tenant');
      assert.equal(saved.body.subject, 'Neuer Betreff 482913');
      assert.match(saved.body.html, /<p>Hallo Alex,<\/p><p>Ihr Code: <b>482913<\/b><\/p>\n<p>carbon\.super<\/p>/);
      const fallback = await call('POST', `${TOTP}/preview`, { locale: 'fr_FR' });
      assert.deepEqual([fallback.body.locale, fallback.body.source, fallback.body.subject], ['en_US', 'default', DEFAULT_SUBJECT]);
      const draft = await call('POST', `${TOTP}/preview`, { subject: 'Hi {{user-name}}\r\nBcc: x@example.com', body: '<p>no code {{tokn}}</p>' });
      assert.equal(draft.status, 200);
      assert.equal(draft.body.subject, 'Hi alex Bcc: x@example.com');
      assert.equal(draft.body.html, '<p>no code </p>');
      assert.equal(draft.body.text, 'no code');
      assert.ok(draft.body.warnings.some((w: string) => /must contain \{\{token\}\}/.test(w)));
      assert.ok(draft.body.warnings.some((w: string) => /did you mean \{\{token\}\}/.test(w)));
      const empty = await call('POST', `${TOTP}/preview`, {});
      assert.equal(empty.status, 400);
      assert.match(empty.body.message, /\{"locale": "en_US"\}/);
    });

    test('the tenant default locale sits between the user\'s locale and en_US', async () => {
      assert.deepEqual((await call('GET', '/api/server/v1/email/default-locale')).body, { locale: null, fallback: 'en_US' });
      const bad = await call('PUT', '/api/server/v1/email/default-locale', { locale: 'german' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /must look like en_US/);
      assert.equal((await call('PUT', '/api/server/v1/email/default-locale', { locale: 'de_DE' })).status, 200);
      assert.equal((await call('POST', `${TOTP}/preview`, { locale: 'fr_FR' })).body.locale, 'de_DE');
      assert.deepEqual((await call('PUT', '/api/server/v1/email/default-locale', { locale: null })).body, { locale: null, fallback: 'en_US' });
      assert.equal((await call('POST', `${TOTP}/preview`, { locale: 'fr_FR' })).body.locale, 'en_US');
    });

    test('tenant A\'s edits never change tenant B', async () => {
      const acmeEnglish = { contentType: 'text/html', subject: 'Acme code', body: '<p>{{token}}</p>', footer: '' };
      assert.equal((await call('PUT', `${ACME}${TEMPLATES}/en_US`, acmeEnglish, acmeOwner)).status, 200);
      assert.equal((await call('POST', `${ACME}${TEMPLATES}`, { ...german, id: 'it_IT' }, acmeOwner)).status, 201);
      const carbonEnglish = await call('GET', `${TEMPLATES}/en_US`);
      assert.deepEqual([carbonEnglish.body.subject, carbonEnglish.body.source], [DEFAULT_SUBJECT, 'default']);
      assert.equal((await call('GET', `${TEMPLATES}/it_IT`)).status, 404);
      // carbon.super's de_DE is not acme's either.
      assert.equal((await call('GET', `${ACME}${TEMPLATES}/de_DE`, undefined, acmeOwner)).status, 404);
      const acmeList = await call('GET', `${ACME}${TEMPLATES}`, undefined, acmeOwner);
      assert.deepEqual(acmeList.body.map((t: { id: string; source: string }) => [t.id, t.source]), [['en_US', 'tenant'], ['it_IT', 'tenant']]);
      assert.equal(acmeList.body[0].self, `${server.url}${ACME}${TEMPLATES}/en_US`);
      const acmePreview = await call('POST', `${ACME}${TOTP}/preview`, { locale: 'it_IT' }, acmeOwner);
      assert.match(acmePreview.body.html, /<p>acme\.com<\/p>/);
      // Deleting acme's en_US brings acme back to the default, and carbon.super's de_DE stays.
      assert.equal((await call('DELETE', `${ACME}${TEMPLATES}/en_US`, undefined, acmeOwner)).status, 204);
      assert.equal((await call('GET', `${ACME}${TEMPLATES}/en_US`, undefined, acmeOwner)).body.subject, DEFAULT_SUBJECT);
      assert.equal((await call('GET', `${TEMPLATES}/de_DE`)).body.source, 'tenant');
    });

    test('a tenant administrator cannot read or change another tenant\'s templates', async () => {
      const acmeAsTenantUser = basicAuth(`${OWNER.username}@acme.com`, OWNER.password);
      for (const [method, path, body] of [
        ['GET', `${TEMPLATES}/de_DE`, undefined],
        ['GET', TOTP, undefined],
        ['PUT', `${TEMPLATES}/de_DE`, german],
        ['DELETE', `${TEMPLATES}/de_DE`, undefined],
        ['POST', `${TOTP}/preview`, { locale: 'de_DE' }],
      ] as const) {
        const res = await call(method, path, body, acmeAsTenantUser);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.match(res.body.message, /another tenant/);
        assert.equal(JSON.stringify(res.body).includes('Hallo'), false);
      }
      // The super administrator is no exception: unknown in acme.com (401) or named as carbon.super's (403).
      const superAdmin = basicAuth(`${ADMIN.username}@carbon.super`, ADMIN.password);
      for (const [auth, status] of [[admin, 401], [superAdmin, 403]] as const) {
        const res = await call('GET', `${ACME}${TEMPLATES}/it_IT`, undefined, auth);
        assert.equal(res.status, status);
        assert.equal(JSON.stringify(res.body).includes('Hallo'), false);
      }
      // The acme owner without the tenant in the name is simply unknown in carbon.super.
      assert.equal((await call('GET', `${TEMPLATES}/de_DE`, undefined, acmeOwner)).status, 401);
      assert.equal((await call('GET', `${TEMPLATES}/de_DE`)).body.subject, 'Neuer Betreff {{token}}');
    });

    test('each operation needs its internal_email_mgt_* scope', async () => {
      await createScimUser(server, { userName: 'plain-user', password: 'plain-Passw0rd!' });
      const noAdmin = await call('GET', TYPES, undefined, basicAuth('plain-user', 'plain-Passw0rd!'));
      assert.equal(noAdmin.status, 403);
      assert.match(noAdmin.body.message, /internal_email_mgt_view/);
      assert.equal((await api(server, 'GET', TYPES)).status, 401);

      const robot = await registerApp(server, { name: 'email-viewer', grantTypes: ['client_credentials'], managementScopes: ['internal_email_mgt_view'] });
      const token = await api(server, 'POST', '/oauth2/token', {
        auth: basicAuth(robot.clientId, robot.clientSecret!),
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'internal_email_mgt_view' }).toString(),
      });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      const bearer = `Bearer ${token.body.access_token as string}`;
      assert.equal((await call('GET', `${TEMPLATES}/de_DE`, undefined, bearer)).status, 200);
      assert.equal((await call('POST', `${TOTP}/preview`, { locale: 'de_DE' }, bearer)).status, 200);
      for (const [method, path, body, scope] of [
        ['POST', TEMPLATES, { ...german, id: 'es_ES' }, 'internal_email_mgt_create'],
        ['PUT', `${TEMPLATES}/de_DE`, german, 'internal_email_mgt_update'],
        ['DELETE', `${TEMPLATES}/de_DE`, undefined, 'internal_email_mgt_delete'],
        ['PUT', '/api/server/v1/email/default-locale', { locale: 'de_DE' }, 'internal_email_mgt_update'],
      ] as const) {
        const res = await call(method, path, body, bearer);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.match(res.body.message, new RegExp(scope));
      }
    });

    test('WSO2 scripts that create the TOTP type are told it already exists', async () => {
      const res = await call('POST', TYPES, { displayName: 'TOTP', templates: [] });
      assert.equal(res.status, 409);
      assert.match(res.body.message, /TOTP already exists \(id VE9UUA\)/);
      const other = await call('POST', TYPES, { displayName: 'Welcome' });
      assert.equal(other.status, 400);
      assert.match(other.body.message, /built into this server/);
    });
  });
}
