// Email templates without HTTP: placeholder substitution, escaping per part, the subject as
// one header line (checked through nodemailer's real message composer), placeholder checks
// on save, the derived text part, and the choice of locale over a real SQLite store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config/load.js';
import { openStore, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createTenant } from '../../src/tenants/tenant.service.js';
import type { Tenant } from '../../src/tenants/tenant.js';
import type { Deps } from '../../src/deps.js';
import { renderEmail } from '../../src/notifications/templates/render.js';
import { htmlToText } from '../../src/notifications/templates/html-to-text.js';
import { checkPlaceholders } from '../../src/notifications/templates/placeholders.js';
import { templateTypeId, type EmailTemplateContent } from '../../src/notifications/templates/template-type.js';
import { EMAIL_TEMPLATE_TYPES, findTemplateTypeById } from '../../src/notifications/templates/template-types.js';
import { TOTP_EMAIL } from '../../src/notifications/templates/totp.email-type.js';
import { localeCandidates, localeProblem, normalizeLocale } from '../../src/notifications/templates/locale.js';
import { addTemplate, replaceTemplate, resolveTemplate } from '../../src/notifications/templates/email-template.service.js';
import { writeDefaultLocale } from '../../src/notifications/templates/default-locale.js';
import { composeEmail } from '../../src/notifications/templates/compose.js';

const html = (body: string, subject = 'Subject', footer = ''): EmailTemplateContent => ({ contentType: 'text/html; charset=UTF-8', subject, body, footer });
const plain = (body: string, subject = 'Subject', footer = ''): EmailTemplateContent => ({ contentType: 'text/plain', subject, body, footer });

describe('template types', () => {
  test('a type id is the base64url of its name without padding, as in WSO2', () => {
    assert.equal(templateTypeId('TOTP'), 'VE9UUA');
    assert.equal(templateTypeId('AccountConfirmation'), 'QWNjb3VudENvbmZpcm1hdGlvbg');
    assert.equal(findTemplateTypeById('VE9UUA')?.name, 'TOTP');
    assert.equal(findTemplateTypeById('VE9UUA=='), undefined);
  });

  test('every type ships an en_US default whose placeholders all check out', () => {
    for (const type of EMAIL_TEMPLATE_TYPES) {
      assert.ok(type.defaults.en_US, `${type.name} has no en_US default`);
      for (const [locale, template] of Object.entries(type.defaults)) {
        assert.deepEqual(checkPlaceholders(type, template), { errors: [], warnings: [] }, `${type.name} ${locale}`);
      }
    }
  });

  test('the default TOTP email carries the code in both parts under WSO2\'s subject', () => {
    const out = renderEmail(TOTP_EMAIL.defaults.en_US!, { token: '123456', 'user-name': 'alex', 'organization-name': 'Acme' });
    assert.equal(out.subject, 'Here is your time-based one-time passcode (TOTP)');
    assert.match(out.html!, />123456</);
    assert.match(out.text, /^123456$/m);
    assert.match(out.text, /^Hi alex,$/m);
    assert.match(out.text, /Sent by Acme\.$/);
    assert.doesNotMatch(out.text, /[<>]/);
  });
});

describe('placeholders', () => {
  const values = {
    token: '654321',
    'user-name': 'alex',
    'tenant-domain': 'acme.com',
    'organization-name': 'Acme',
    'user.claim.given_name': 'Alex',
    'user.claim.family_name': 'Doe',
    'user.claim.email': 'alex@example.com',
    'user.claim.nickname': 'Al',
  };

  for (const [placeholder, expected] of [
    ['{{token}}', '654321'],
    ['{{user-name}}', 'alex'],
    ['{{tenant-domain}}', 'acme.com'],
    ['{{organization-name}}', 'Acme'],
    ['{{user.claim.givenname}}', 'Alex'],
    ['{{user.claim.givenName}}', 'Alex'],
    ['{{user.claim.given_name}}', 'Alex'],
    ['{{user.claim.lastname}}', 'Doe'],
    ['{{user.claim.emailaddress}}', 'alex@example.com'],
    ['{{user.claim.nickname}}', 'Al'],
    ['{{user.claim.username}}', 'alex'],
    ['{{ user.claim.givenname}}', 'Alex'],
    ['{{ token }}', '654321'],
  ] as const) {
    test(`${placeholder} becomes "${expected}" in every part`, () => {
      const out = renderEmail(html(`<p>[${placeholder}]</p>`, `S ${placeholder}`, `<p>F ${placeholder}</p>`), values);
      assert.equal(out.subject, `S ${expected}`);
      assert.equal(out.html, `<p>[${expected}]</p>\n<p>F ${expected}</p>`);
      assert.equal(out.text, `[${expected}]\n\nF ${expected}`);
    });
  }

  test('a placeholder nobody supplies, known or not, renders empty', () => {
    const out = renderEmail(html('<p>a{{nope}}b{{user.claim.middle_name}}c</p>', 'x{{nope}}y'), values);
    assert.equal(out.html, '<p>abc</p>');
    assert.equal(out.text, 'abc');
    assert.equal(out.subject, 'xy');
  });

  test('only {{…}} is a placeholder: single braces and other syntax stay as written', () => {
    const out = renderEmail(plain('{token} {{#if token}} {% token %} ${token}'), values);
    assert.equal(out.text, '{token}  {% token %} ${token}');
  });

  test('values are inserted once: a value that looks like a placeholder is not expanded', () => {
    const out = renderEmail(html('<p>{{user.claim.nickname}}</p>'), { ...values, 'user.claim.nickname': '{{token}}' });
    assert.equal(out.html, '<p>{{token}}</p>');
    assert.equal(out.text, '{{token}}');
  });
});

describe('escaping', () => {
  const attack = '<script>alert("x")</script>';

  test('a claim holding <script> arrives escaped in HTML and raw in text', () => {
    const out = renderEmail(html('<p>Hi {{user.claim.givenname}}</p>'), { 'user.claim.given_name': attack });
    assert.equal(out.html, '<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    assert.doesNotMatch(out.html!, /<script/);
    assert.equal(out.text, `Hi ${attack}`);
  });

  test('a value cannot close an attribute in HTML', () => {
    const out = renderEmail(html('<a href="https://x.example/?u={{user-name}}">go</a>'), { 'user-name': '" onclick="evil()' });
    assert.equal(out.html, '<a href="https://x.example/?u=&quot; onclick=&quot;evil()">go</a>');
  });

  test('a value is never entity-decoded or read as markup in the text part', () => {
    const out = renderEmail(html('<p>{{user-name}}</p>'), { 'user-name': 'Tom &amp; <b>Jerry</b>' });
    assert.equal(out.text, 'Tom &amp; <b>Jerry</b>');
    assert.equal(out.html, '<p>Tom &amp;amp; &lt;b&gt;Jerry&lt;/b&gt;</p>');
  });

  test('a text/plain template has no HTML part and its values are not escaped', () => {
    const out = renderEmail(plain('Hi {{user-name}}\nCode: {{token}}', 'S', '-- \nAcme'), { 'user-name': attack, token: '1' });
    assert.equal(out.html, undefined);
    assert.equal(out.text, `Hi ${attack}\nCode: 1\n\n-- \nAcme`);
  });

  test('CR and LF in a value or the template are stripped from the subject', () => {
    const out = renderEmail(html('<p>x</p>', 'Code for {{user-name}}\r\nX-Template: 1'), { 'user-name': 'alex\r\nBcc: victim@example.com\n\nbody' });
    assert.doesNotMatch(out.subject, /[\r\n]/);
    assert.equal(out.subject, 'Code for alex Bcc: victim@example.com body X-Template: 1');
    const unicode = renderEmail(html('<p>x</p>', '{{user-name}}'), { 'user-name': 'a\u2028Bcc: v@example.com\u0085\u0000b' });
    assert.equal(unicode.subject, 'a Bcc: v@example.com b');
  });

  test('a subject with CR/LF cannot add headers to the message nodemailer composes', async () => {
    const out = renderEmail(html('<p>{{token}}</p>', 'Hi {{user-name}}'), {
      'user-name': 'alex\r\nBcc: victim@example.com\r\nX-Injected: yes', token: '1',
    });
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await transport.sendMail({ from: 'idp@example.com', to: 'alex@example.com', subject: out.subject, html: out.html, text: out.text });
    const message = await simpleParser(info.message as Buffer);
    assert.equal(message.headers.get('bcc'), undefined);
    assert.equal(message.headers.get('x-injected'), undefined);
    assert.equal(message.subject, 'Hi alex Bcc: victim@example.com X-Injected: yes');
    assert.deepEqual(info.envelope.to, ['alex@example.com']);
  });
});

describe('the text part derived from HTML', () => {
  test('paragraphs, line breaks, lists, links, images and entities', () => {
    const text = htmlToText([
      '<html><head><style>p{color:red}</style><title>t</title></head><body>',
      '<h1>Welcome</h1><p>Line one<br>line   two</p>',
      '<ul><li>first</li><li>second</li></ul>',
      '<p><a href="https://example.com/help">Get help</a> or <a href="mailto:help@example.com">help@example.com</a></p>',
      '<p><img src="logo.png" alt="Acme logo"> &copy; 2026 Acme &amp; Co &lt;3 &#8212; &#x2713;</p>',
      '<!-- a comment --><script>ignored()</script></body></html>',
    ].join('\n'));
    assert.equal(text, 'Welcome\n\nLine one\nline two\n\n- first\n- second\n\nGet help (https://example.com/help) or help@example.com\n\nAcme logo © 2026 Acme & Co <3 — ✓');
  });

  test('a placeholder in a link target survives into the text part', () => {
    const out = renderEmail(html('<p><a href="https://idp.example/verify?code={{token}}">Verify</a></p>'), { token: 'a&b' });
    assert.equal(out.text, 'Verify (https://idp.example/verify?code=a&b)');
    assert.equal(out.html, '<p><a href="https://idp.example/verify?code=a&amp;b">Verify</a></p>');
  });
});

describe('placeholder checks when a template is saved', () => {
  test('a TOTP template without {{token}} in its body is refused, saying so', () => {
    const { errors } = checkPlaceholders(TOTP_EMAIL, html('<p>Hello</p>', 'Your code {{token}}', '{{token}}'));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /must contain \{\{token\}\} in its body/);
  });

  test('an unknown placeholder is a warning naming the field and a likely fix', () => {
    const { errors, warnings } = checkPlaceholders(TOTP_EMAIL, html('<p>{{token}} {{tokn}}</p>', '{{organisation-name}}', '{{user.claim.given_name}} {{user.claim.}}'));
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /^unknown placeholder \{\{organisation-name\}\} in the subject renders empty \(did you mean \{\{organization-name\}\}\?\)/);
    assert.match(warnings[1]!, /^unknown placeholder \{\{tokn\}\} in the body .*did you mean \{\{token\}\}/);
    assert.match(warnings[2]!, /^unknown placeholder \{\{user\.claim\.\}\} in the footer/);
  });

  test('WSO2\'s old single-brace placeholders are pointed out', () => {
    const { warnings } = checkPlaceholders(TOTP_EMAIL, html('<p>{{token}} {user-name}</p>'));
    assert.deepEqual(warnings, ['{user-name} in the body has single braces and is sent as written; placeholders need two: {{user-name}}']);
  });
});

describe('locales', () => {
  test('user locales in the usual spellings become language_COUNTRY', () => {
    for (const [input, expected] of [
      ['de-DE', 'de_DE'], ['de_DE', 'de_DE'], ['de-de', 'de_DE'], ['pt_br', 'pt_BR'], ['de_DE.UTF-8', 'de_DE'], [' fr-CA ', 'fr_CA'],
      ['de', undefined], ['', undefined], ['english', undefined], ['de-DE-1996', undefined], [42, undefined], [undefined, undefined],
    ] as const) {
      assert.equal(normalizeLocale(input), expected, String(input));
    }
  });

  test('the order is the user\'s locale, the tenant default, then en_US, without repeats', () => {
    assert.deepEqual(localeCandidates('de-DE', 'fr_FR'), ['de_DE', 'fr_FR', 'en_US']);
    assert.deepEqual(localeCandidates(undefined, 'fr_FR'), ['fr_FR', 'en_US']);
    assert.deepEqual(localeCandidates('de', undefined), ['en_US']);
    assert.deepEqual(localeCandidates('en-us', 'en_US'), ['en_US']);
  });

  test('an API locale must be written language_COUNTRY, with a hint', () => {
    assert.equal(localeProblem('en_US'), undefined);
    assert.equal(localeProblem('en-us'), 'locale "en-us" must look like en_US (language_COUNTRY); did you mean en_US?');
    assert.equal(localeProblem('english'), 'locale "english" must look like en_US (language_COUNTRY)');
  });
});

describe('choosing a tenant\'s template for a user (real SQLite)', () => {
  let dir: string;
  let store: Store;
  let deps: Deps;
  let acme: Tenant;
  let globex: Tenant;
  const typeId = templateTypeId('TOTP');
  const german = { id: 'de_DE', contentType: 'text/html', subject: 'Ihr Code für {{organization-name}}', body: '<p>Hallo {{user.claim.givenname}}, Ihr Code: {{token}}</p>', footer: '' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-email-'));
    const config = loadConfig({ env: {}, overrides: { server: { data_dir: dir } } });
    store = openStore('', dir);
    await migrateToLatest(store);
    deps = { config, store, clock: { now: () => new Date(Date.UTC(2031, 5, 1)) }, logger: createLogger('silent'), secrets: createSecretBox(Buffer.alloc(32, 5)) };
    acme = await createTenant(deps, 'acme.com', 'Acme Corp');
    globex = await createTenant(deps, 'globex.com', 'Globex');
    await addTemplate(deps, acme.id, TOTP_EMAIL, german);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the user\'s locale claim picks the tenant\'s template, in either spelling', async () => {
    for (const claim of ['de-DE', 'de_DE', 'de-de']) {
      const found = await resolveTemplate(deps, acme.id, 'TOTP', claim);
      assert.equal(found.locale, 'de_DE');
      assert.equal(found.source, 'tenant');
    }
  });

  test('a locale the tenant has no template for falls back to the built-in en_US', async () => {
    const found = await resolveTemplate(deps, acme.id, 'TOTP', 'fr-FR');
    assert.deepEqual([found.locale, found.source], ['en_US', 'default']);
    assert.deepEqual(found.template, TOTP_EMAIL.defaults.en_US);
  });

  test('the tenant default comes between the user\'s locale and en_US', async () => {
    await writeDefaultLocale(deps, acme.id, { locale: 'de_DE' });
    try {
      assert.equal((await resolveTemplate(deps, acme.id, 'TOTP', 'fr-FR')).locale, 'de_DE');
      assert.equal((await resolveTemplate(deps, acme.id, 'TOTP', undefined)).locale, 'de_DE');
      assert.equal((await resolveTemplate(deps, acme.id, 'TOTP', 'en_US')).locale, 'en_US');
    } finally {
      await writeDefaultLocale(deps, acme.id, { locale: null });
    }
    assert.equal((await resolveTemplate(deps, acme.id, 'TOTP', 'fr-FR')).locale, 'en_US');
  });

  test('a tenant\'s templates never reach another tenant', async () => {
    const found = await resolveTemplate(deps, globex.id, 'TOTP', 'de-DE');
    assert.deepEqual([found.locale, found.source], ['en_US', 'default']);
    const row = await store.db.selectFrom('email_template').select(['tenant_id', 'type_id', 'locale']).execute();
    assert.deepEqual(row, [{ tenant_id: acme.id, type_id: typeId, locale: 'de_DE' }]);
  });

  test('an en_US override wins over the built-in default for that tenant only', async () => {
    await replaceTemplate(deps, acme.id, TOTP_EMAIL, 'en_US', { contentType: 'text/plain', subject: 'Acme code', body: 'Code: {{token}}' });
    assert.equal((await resolveTemplate(deps, acme.id, 'TOTP', 'fr-FR')).template.subject, 'Acme code');
    assert.equal((await resolveTemplate(deps, globex.id, 'TOTP', 'fr-FR')).template.subject, 'Here is your time-based one-time passcode (TOTP)');
  });

  test('composeEmail renders the chosen template with the user\'s claims and the tenant\'s names', async () => {
    const mail = await composeEmail(deps, acme, 'TOTP', { username: 'alex', claims: { given_name: '<Alex>', locale: 'de-DE' } }, { token: '777111' });
    assert.equal(mail.locale, 'de_DE');
    assert.equal(mail.subject, 'Ihr Code für Acme Corp');
    assert.equal(mail.html, '<p>Hallo &lt;Alex&gt;, Ihr Code: 777111</p>');
    assert.equal(mail.text, 'Hallo <Alex>, Ihr Code: 777111');
  });
});
