// The admin console's other pages in Chromium: Users (a user who enrolled TOTP and got
// locked is unlocked and reset from the console, then the API shows the new state; a
// user's sessions, one of them ended; add, disable, enable, a new password and delete), Audit log (filters, cursor paging), TOTP settings
// (windowSize 0 refused next to the field, save, back to the server value), Email
// (template edit with live preview, a body without {{token}} refused next to the field,
// test email into the outbox) and Tenants (create, errors next to the field). Every page
// is checked at 360 px and with axe-core. One browser and one server (SQLite): the APIs
// behind these pages are tested on both stores in test/integration/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, basicAuth, ADMIN, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { launchChromium } from '../helpers/chromium.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep, submitCode } from '../helpers/totp.js';
import { axeProblems, descriptionOf, ensureConsoleBuilt, expectToast, expectToastAfter, horizontalOverflow, signedInConsolePage } from '../helpers/console-browser.js';
import { AUDIT_EVENT_TYPES } from '../../src/audit/audit-event.js';

const PASSWORD = 'lenas long password';
const PARAMS = '/api/server/v1/authenticators/totp/parameters';
const TOTP_TYPE = Buffer.from('TOTP').toString('base64url');

describe('admin console: users, audit log, TOTP settings, email, tenants (Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let app: RegisteredApp;
  let admin: { context: BrowserContext; page: Page };
  let lenaId: string;
  let omarId: string; // one session left: the sessions list is on the 360 px and axe pass
  const clock = manualClock();

  const nav = (page: Page, label: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label, exact: true }).click();
  const confirmDialog = (page: Page, button: string) => page.getByRole('dialog').getByRole('button', { name: button, exact: true }).click();
  const totpState = async (id: string) => (await api(server, 'GET', `/api/server/v1/users/${id}/totp`, { auth: server.adminAuth })).body;

  before(async () => {
    ensureConsoleBuilt();
    [browser, server] = await Promise.all([
      launchChromium(),
      startServer({ clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } }),
    ]);
    app = await registerApp(server, { name: 'Two-step app', sequence: TWO_STEP });
    admin = await signedInConsolePage(browser, server.url, ADMIN.username, ADMIN.password);
  });
  after(async () => {
    await admin?.context.close();
    await Promise.all([browser?.close(), server?.close()]);
  });

  it('unlocks and resets the TOTP of a user who enrolled and then got locked; the API shows each change', async () => {
    // Lena enrolls during her first sign-in, then types five wrong codes and is locked.
    const lena = await createScimUser(server, { userName: 'lena', password: PASSWORD, email: 'lena@example.com', givenName: 'Lena', familyName: 'Berg' });
    lenaId = lena.id;
    const login = { issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'lena', password: PASSWORD };
    const first = await startTwoStep(login);
    const secret = secretFromPage(first.page);
    const enrolled = await submitCode(first.browser, first.url, first.page, codeAt(secret, clock.seconds()), app.redirectUri);
    assert.ok(enrolled.url.startsWith(app.redirectUri), `enrolled, stopped at ${enrolled.url}`);
    clock.advance(30);
    const attempt = await startTwoStep(login);
    let page = attempt.page;
    for (let i = 0; i < 5; i += 1) {
      const wrong = await submitCode(attempt.browser, attempt.url, page, codeAt(secret, clock.seconds() + 600 + i * 30), app.redirectUri);
      assert.equal(wrong.status, 400);
      page = wrong.page;
    }
    assert.deepEqual([(await totpState(lenaId)).status, (await totpState(lenaId)).locked], ['active', true]);

    const p = admin.page;
    await nav(p, 'Users');
    await p.getByLabel('Find by username').fill('lena');
    await p.getByRole('button', { name: 'Find', exact: true }).click();
    await p.getByText('Showing 1–1 of 1').waitFor();
    await p.getByRole('link', { name: 'lena', exact: true }).click();
    await p.getByRole('heading', { level: 1, name: 'lena' }).waitFor();
    const twoFactor = p.getByRole('region', { name: 'Two-factor sign-in' });
    const lockedBadge = twoFactor.locator('.badge', { hasText: 'Locked' });
    await lockedBadge.waitFor();
    assert.match(await twoFactor.innerText(), /TOTP status\s+Active\s*Locked/);
    assert.match(await twoFactor.innerText(), /Backup codes left\s+None/);
    const activity = p.getByRole('region', { name: 'Recent activity' });
    await activity.getByText('Account locked', { exact: true }).waitFor();

    // Unlock: asked first; a cancel changes nothing.
    await twoFactor.getByRole('button', { name: 'Unlock' }).click();
    await confirmDialog(p, 'Cancel');
    assert.equal((await totpState(lenaId)).locked, true, 'cancelled: still locked');
    await twoFactor.getByRole('button', { name: 'Unlock' }).click();
    await confirmDialog(p, 'Unlock');
    assert.match(await expectToast(p, /unlocked/), /"lena" unlocked \(totp\)/);
    const unlocked = await totpState(lenaId);
    assert.deepEqual([unlocked.status, unlocked.locked], ['active', false], 'the API: unlocked, TOTP kept');
    await lockedBadge.waitFor({ state: 'detached' });
    await activity.getByText('Account unlocked', { exact: true }).waitFor();

    await twoFactor.getByRole('button', { name: 'Reset TOTP' }).click();
    await confirmDialog(p, 'Reset TOTP');
    await expectToast(p, /TOTP reset for "lena"/);
    assert.equal((await totpState(lenaId)).status, 'none', 'the API: no TOTP any more');
    // The panel loads the new state after the toast shows.
    await twoFactor.locator('.badge', { hasText: 'Active' }).waitFor({ state: 'detached' });
    assert.match(await twoFactor.innerText(), /TOTP status\s+None/);
    await activity.getByText('TOTP reset', { exact: true }).waitFor();

    await twoFactor.getByRole('button', { name: 'Sign out everywhere' }).click();
    await confirmDialog(p, 'Sign out everywhere');
    await expectToast(p, /signed out everywhere/);
    const events = await api(server, 'GET', `/api/server/v1/audit-logs?userId=${lenaId}&type=user_signed_out_everywhere,totp_reset,account_unlocked`, { auth: server.adminAuth });
    assert.deepEqual(events.body.events.map((e: { type: string; actor: { username: string } }) => [e.type, e.actor.username]),
      [['user_signed_out_everywhere', 'admin'], ['totp_reset', 'admin'], ['account_unlocked', 'admin']], 'each action is logged with the administrator as actor');
  });

  it('lists a user\'s sessions and ends one: that browser\'s tokens stop working, the other session\'s do not', async () => {
    omarId = (await createScimUser(server, { userName: 'omar', password: PASSWORD })).id;
    const mail = await registerApp(server, { name: 'Mail', redirectUri: 'http://localhost:8787/mail/callback' });
    const signIn = () => passwordLogin({ issuer: server.tenant.issuer, clientId: mail.clientId, clientSecret: mail.clientSecret, redirectUri: mail.redirectUri, username: 'omar', password: PASSWORD });
    const [first, second] = [await signIn(), await signIn()];
    const userinfo = async (login: typeof first) => (await api(server, 'GET', '/oauth2/userinfo', { auth: `Bearer ${login.tokens!.access_token}` })).status;

    const p = admin.page;
    await nav(p, 'Users');
    await p.getByLabel('Find by username').fill('omar');
    await p.getByRole('button', { name: 'Find', exact: true }).click();
    await p.getByText('Showing 1–1 of 1').waitFor();
    await p.getByRole('link', { name: 'omar', exact: true }).click();
    const sessions = p.getByRole('region', { name: 'Sessions' });
    const items = sessions.getByRole('listitem');
    await items.nth(1).waitFor();
    assert.equal(await items.count(), 2);
    assert.match(await items.nth(0).innerText(), /IP address\s+127\.0\.0\.1[\s\S]*Applications\s+Mail/);

    await items.nth(0).getByRole('button', { name: /^End session: / }).click();
    await confirmDialog(p, 'Cancel');
    assert.equal(await items.count(), 2, 'cancelled: both sessions stay');
    await items.nth(0).getByRole('button', { name: /^End session: / }).click();
    await confirmDialog(p, 'End session');
    await expectToast(p, /session of "omar" ended/);
    await p.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.session-list li').length === 1);
    assert.deepEqual((await Promise.all([userinfo(first), userinfo(second)])).sort(), [200, 401], 'one browser signed out, the other not');
    await p.getByRole('region', { name: 'Recent activity' }).getByText('Session ended', { exact: true }).waitFor();
  });

  it('adds a user (a server error shows under its field), disables and enables it, sets a new password, and deletes it after a confirmation', async () => {
    const p = admin.page;
    await nav(p, 'Users');
    await p.getByRole('link', { name: 'Add user' }).click();
    await p.getByLabel('Username').fill('maria');
    await p.getByLabel('Email').fill('maria@example.com');
    await p.getByLabel('Given name').fill('Maria');
    await p.getByLabel('Family name').fill('Lopez');
    await p.getByLabel('Password').fill('short');
    await p.getByRole('button', { name: 'Add user' }).click();
    await p.getByText('Password must be at least 8 characters long.').waitFor();
    assert.match(await descriptionOf(p.getByLabel('Password')), /at least 8 characters long/, 'the error is the password field\'s description');
    assert.equal(await p.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    await p.getByLabel('Password').fill('marias long password');
    await p.getByRole('button', { name: 'Add user' }).click();
    await p.getByRole('heading', { level: 1, name: 'maria' }).waitFor();
    const found = await api(server, 'GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "maria"')}`, { auth: server.adminAuth });
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].name.formatted, 'Maria Lopez');

    // Disable, then enable again: each asked first, each visible in the API (SCIM active).
    const mariaId = found.body.Resources[0].id as string;
    const active = async () => (await api(server, 'GET', `/scim2/Users/${mariaId}`, { auth: server.adminAuth })).body.active;
    await p.getByRole('button', { name: 'Disable account' }).click();
    await confirmDialog(p, 'Disable account');
    await expectToast(p, /"maria" disabled/);
    await p.getByRole('region', { name: 'Profile' }).getByText('Disabled', { exact: true }).waitFor();
    assert.equal(await active(), false, 'the API: disabled');
    await p.getByRole('button', { name: 'Enable account' }).click();
    await confirmDialog(p, 'Enable account');
    await expectToast(p, /"maria" enabled/);
    await p.getByRole('button', { name: 'Disable account' }).waitFor();
    assert.equal(await active(), true, 'the API: enabled again');

    // A new password: the policy's refusal under the field, then set after a confirmation.
    // Basic on SCIM tells the two apart: her right password is 403 (not an admin), a wrong one 401.
    const scimAs = async (password: string) => (await api(server, 'GET', '/scim2/Users', { auth: basicAuth('maria', password) })).status;
    const newPassword = p.getByLabel('New password');
    await newPassword.fill('maria');
    await p.getByRole('button', { name: 'Set password' }).click();
    await confirmDialog(p, 'Set password');
    await p.getByText('Password must be at least 8 characters long.').waitFor();
    assert.equal(await newPassword.getAttribute('aria-invalid'), 'true');
    assert.equal(await scimAs('marias long password'), 403, 'a refused password changes nothing');
    await newPassword.fill('marias new long password');
    await p.getByRole('button', { name: 'Set password' }).click();
    await confirmDialog(p, 'Set password');
    await expectToast(p, /New password set for "maria"/);
    assert.equal(await newPassword.inputValue(), '', 'the field is emptied');
    assert.equal(await scimAs('marias new long password'), 403, 'the new password is hers');
    assert.equal(await scimAs('marias long password'), 401, 'the old one stopped working');

    await p.getByRole('button', { name: 'Delete user' }).click();
    await confirmDialog(p, 'Delete user');
    await expectToast(p, /deleted/);
    await p.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const gone = await api(server, 'GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "maria"')}`, { auth: server.adminAuth });
    assert.equal(gone.body.totalResults, 0);
  });

  it('filters the audit log by user, type and time, and pages through it by cursor', async () => {
    for (let i = 1; i <= 21; i += 1) await createScimUser(server, { userName: `bulk${String(i).padStart(2, '0')}`, password: 'bulk user password' });
    const p = admin.page;
    await nav(p, 'Audit log');
    const type = p.getByLabel('Event type');
    const offered = await type.locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
    assert.deepEqual([...offered].sort(), [...AUDIT_EVENT_TYPES].sort(), 'the console offers every event type the server logs');

    // By user and type.
    await p.getByLabel('Username').fill('lena');
    await type.selectOption('account_locked');
    await p.getByRole('button', { name: 'Apply filters' }).click();
    const rows = p.getByRole('table').locator('tbody tr');
    await p.waitForURL(/type=account_locked/);
    await p.getByRole('table').getByText('Account locked', { exact: true }).first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /lena/);

    // By time: the events happened at the server's (manual) time; an hour later there are none.
    const later = new Date((clock.seconds() + 3600) * 1000).toISOString().slice(0, 16);
    await p.getByLabel('From', { exact: true }).fill(later);
    await p.getByRole('button', { name: 'Apply filters' }).click();
    await p.getByText('No events match these filters').waitFor();
    // A range that ends before it starts is refused next to "To", before asking the server.
    await p.getByLabel('To', { exact: true }).fill(new Date((clock.seconds() - 3600) * 1000).toISOString().slice(0, 16));
    await p.getByRole('button', { name: 'Apply filters' }).click();
    assert.match(await descriptionOf(p.getByLabel('To', { exact: true })), /must not be before its start/);

    // Paging: more user_created events than the 20 a page holds.
    const created = (await api(server, 'GET', '/api/server/v1/audit-logs?type=user_created&limit=100', { auth: server.adminAuth })).body.count as number;
    assert.ok(created > 20 && created <= 40, `${created} user_created events`);
    await p.getByRole('link', { name: 'Clear filters' }).click();
    await type.selectOption('user_created');
    await p.getByRole('button', { name: 'Apply filters' }).click();
    await p.getByText('Page 1', { exact: true }).waitFor();
    assert.equal(await rows.count(), 20);
    const firstPage = await rows.allInnerTexts();
    await p.getByRole('button', { name: 'Older events' }).click();
    await p.getByText('Page 2', { exact: true }).waitFor();
    assert.equal(await rows.count(), created - 20);
    assert.ok((await rows.allInnerTexts()).every((row) => !firstPage.includes(row)), 'page 2 follows page 1 without repeats');
    assert.equal(await p.getByRole('button', { name: 'Older events' }).isDisabled(), true, 'the last page');
    await p.getByRole('button', { name: 'Newer events' }).click();
    await p.getByText('Page 1', { exact: true }).waitFor();
    assert.deepEqual(await rows.allInnerTexts(), firstPage);
  });

  it('TOTP settings: windowSize 0 is refused next to the field; a valid value is saved; "Use server value" removes the override', async () => {
    const p = admin.page;
    await nav(p, 'TOTP settings');
    await p.getByRole('heading', { level: 1, name: 'TOTP settings' }).waitFor();
    const window = p.getByLabel('windowSize', { exact: true });
    assert.match(await descriptionOf(window), /Total number of time steps accepted/, 'each parameter has its sentence');
    assert.deepEqual(await p.getByLabel('algorithm', { exact: true }).locator('option').allInnerTexts(), ['SHA1', 'SHA256', 'SHA512']);
    assert.equal(await p.getByLabel('PreventTOTPCodeReuse', { exact: true }).isChecked(), true);

    await window.fill('0');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('WindowSize must be at least 1, got 0.').waitFor();
    assert.match(await descriptionOf(window), /must be at least 1, got 0/);
    assert.equal(await window.getAttribute('aria-invalid'), 'true');
    assert.equal((await api(server, 'GET', PARAMS, { auth: server.adminAuth })).body.parameters.windowSize, 3, 'nothing saved');

    await window.fill('5');
    await expectToastAfter(p, /TOTP settings saved/, () => p.getByRole('button', { name: 'Save', exact: true }).click());
    const saved = (await api(server, 'GET', PARAMS, { auth: server.adminAuth })).body;
    assert.equal(saved.parameters.windowSize, 5);
    assert.equal(saved.details.find((d: { name: string }) => d.name === 'windowSize').source, 'tenant');

    await p.getByRole('button', { name: 'Use server value for windowSize' }).click();
    assert.equal(await window.inputValue(), '3');
    // The first save's toast is still up for 6 s: only this save's own may count.
    await expectToastAfter(p, /TOTP settings saved/, () => p.getByRole('button', { name: 'Save', exact: true }).click());
    const reset = (await api(server, 'GET', PARAMS, { auth: server.adminAuth })).body;
    assert.deepEqual([reset.parameters.windowSize, reset.details.find((d: { name: string }) => d.name === 'windowSize').source], [3, 'server']);
  });

  it('Email: the preview follows the edited subject; a body without {{token}} is refused next to it; a test email lands in the outbox', async () => {
    const p = admin.page;
    await nav(p, 'Email');
    const templates = p.getByRole('region', { name: 'Templates' });
    const preview = templates.getByRole('region', { name: /Preview/ });
    await preview.getByText('Here is your time-based one-time passcode').waitFor();

    await templates.getByLabel('Subject').fill('Your Acme code is {{token}}');
    await preview.getByText('Your Acme code is 482913').waitFor();
    // The HTML part, rendered with the sample code and its inline styles (applied through the CSSOM under the console's CSP).
    const rendered = await p.waitForFunction(() => {
      const frame = (globalThis as unknown as { document: { querySelector(s: string): { contentDocument: { body: { innerText: string; querySelectorAll(s: string): ArrayLike<{ style: { fontSize: string } }> } } | null } | null } }).document.querySelector('iframe.email-frame');
      const body = frame?.contentDocument?.body;
      if (!body || !body.innerText.includes('482913')) return undefined;
      return { text: body.innerText, sizes: Array.from(body.querySelectorAll('p')).map((el) => el.style.fontSize) };
    });
    const shown = await rendered.jsonValue() as { text: string; sizes: string[] };
    assert.match(shown.text, /Hi alex/);
    assert.ok(shown.sizes.includes('28px'), 'the code keeps its inline style');
    assert.equal(await p.locator('iframe.email-frame').getAttribute('sandbox'), 'allow-same-origin', 'no scripts in the preview');

    // Without {{token}}: the preview warns, Save is refused under Body, nothing is stored.
    const body = templates.getByLabel('Body');
    const original = await body.inputValue();
    await body.fill('<p>Hello {{user-name}}, no code here.</p>');
    await preview.getByText(/must contain \{\{token\}\}/).waitFor();
    await templates.getByRole('button', { name: 'Save template' }).click();
    await templates.getByText(/The TOTP template must contain \{\{token\}\} in its body/).first().waitFor();
    assert.match(await descriptionOf(body), /must contain \{\{token\}\} in its body/);
    const untouched = await api(server, 'GET', `/api/server/v1/email/template-types/${TOTP_TYPE}/templates/en_US`, { auth: server.adminAuth });
    assert.equal(untouched.body.source, 'default');

    await body.fill(original);
    await templates.getByRole('button', { name: 'Save template' }).click();
    await expectToast(p, /TOTP template for en_US saved/);
    const stored = await api(server, 'GET', `/api/server/v1/email/template-types/${TOTP_TYPE}/templates/en_US`, { auth: server.adminAuth });
    assert.deepEqual([stored.body.source, stored.body.subject], ['tenant', 'Your Acme code is {{token}}']);

    // No SMTP anywhere in this test server: the test email goes to the development outbox, which the page shows.
    const outbox = p.getByRole('region', { name: 'Development outbox' });
    await outbox.getByText('The outbox is empty.').waitFor();
    await p.getByLabel('Recipient').fill('dev@example.com');
    await p.getByRole('button', { name: 'Send test email' }).click();
    await p.getByText(/Sent through the development outbox/).waitFor();
    await outbox.getByText('Gatehouse test email').waitFor();
    const box = await api(server, 'GET', '/api/server/v1/notification-senders/email/outbox', { auth: server.adminAuth });
    assert.deepEqual([box.body.delivery, box.body.messages[0].to], ['outbox', 'dev@example.com']);
  });

  it('Tenants: the super administrator creates a tenant; wrong values are shown under their field', async () => {
    const p = admin.page;
    await nav(p, 'Tenants');
    await p.getByText('Only the default organization so far').waitFor();
    await p.getByLabel('Domain').fill('Not A Domain');
    await p.getByLabel('Administrator username').fill('owner');
    await p.getByLabel('Administrator password').fill('owners long password');
    await p.getByLabel('Administrator email').fill('owner@acme.example');
    await p.getByRole('button', { name: 'Add tenant' }).click();
    await p.getByText(/Domain must be a lower-case DNS-style name/).waitFor();
    assert.match(await descriptionOf(p.getByLabel('Domain')), /lower-case DNS-style name/);

    await p.getByLabel('Domain').fill('acme.example');
    await p.getByLabel('Administrator password').fill('short');
    await p.getByRole('button', { name: 'Add tenant' }).click();
    await p.getByText('Password must be at least 8 characters long.').waitFor();
    assert.match(await descriptionOf(p.getByLabel('Administrator password')), /at least 8 characters/);

    await p.getByLabel('Administrator password').fill('owners long password');
    await p.getByRole('button', { name: 'Add tenant' }).click();
    await expectToast(p, /Tenant acme\.example created/);
    await p.getByRole('table').getByText('acme.example', { exact: true }).waitFor();
    const link = await p.getByRole('link', { name: 'Open console of acme.example' }).getAttribute('href');
    assert.equal(link, `${server.url}/t/acme.example/console/`);
    const listed = await api(server, 'GET', '/api/server/v1/tenants', { auth: server.adminAuth });
    assert.ok(listed.body.tenants.some((t: { domain: string }) => t.domain === 'acme.example'));
    const owner = await api(server, 'GET', '/t/acme.example/scim2/Users', { auth: basicAuth('owner', 'owners long password') });
    assert.equal(owner.status, 200, 'the owner administers the new tenant');
  });

  it('every page fits 360 px without horizontal scroll and has no serious or critical axe-core violations', async () => {
    const p = admin.page;
    const pages: Array<[string, string]> = [
      ['/users', 'Users'],
      ['/users/add', 'Add user'],
      [`/users/${lenaId}`, 'lena'],
      [`/users/${omarId}`, 'omar'],
      ['/audit-log', 'Audit log'],
      ['/mfa/totp', 'TOTP settings'],
      ['/email', 'Email'],
      ['/tenants', 'Tenants'],
    ];
    const problems: string[] = [];
    for (const [path, title] of pages) {
      await p.setViewportSize({ width: 1280, height: 900 });
      await p.goto(`${server.url}/console${path}`);
      await p.getByRole('heading', { level: 1, name: title }).waitFor();
      await p.getByRole('status').filter({ hasText: /^Loading/ }).first().waitFor({ state: 'detached' });
      if (path === '/email') await p.getByText('Your Acme code is 482913').waitFor();
      problems.push(...(await axeProblems(p)).map((v) => `${path}: ${v}`));
      await p.setViewportSize({ width: 360, height: 740 });
      const overflow = await horizontalOverflow(p);
      if (overflow > 0) problems.push(`${path}: ${overflow} px of horizontal scroll at 360 px`);
    }
    await p.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(problems, []);
  });
});
