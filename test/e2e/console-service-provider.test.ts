// The admin console in Chromium, following the WSO2 guide in its own words: the
// administrator signs in to the console through Gatehouse's login page (OIDC code + PKCE,
// the console's system application), registers a service provider, gives it two steps
// (basic, then totp), configures its callback and reads its client key and secret; an
// application then signs a user in with password and TOTP. Also: a validation error shown
// next to the step it is about, an ordinary user without admin access, 360 px screens and
// axe-core. Runs on SQLite only: it tests the console, and the APIs it calls are tested on
// both stores in test/integration/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, ADMIN, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser } from '../helpers/api.js';
import { launchChromium } from '../helpers/chromium.js';
import { axeProblems, dismissToasts, ensureConsoleBuilt, expectToast, expectToastAfter, horizontalOverflow, newConsolePage, signedInConsolePage, signInToConsole } from '../helpers/console-browser.js';
import { exchange } from '../helpers/oidc-authorize.js';
import { manualClock, secretFromPage, codeAt, startTwoStep, submitCode } from '../helpers/totp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = `${ROOT}docs/images/console-authentication-steps.png`;
const TINA = { userName: 'tina', password: 'tinas long password' };
const OLGA = { userName: 'olga', password: 'olgas long password' };
const REDIRECT_URI = 'http://localhost:8787/callback';

/** The README's picture of the steps: the whole page in one view, without toasts. */
async function saveScreenshot(page: Page): Promise<void> {
  await dismissToasts(page);
  const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1100, height });
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  writeFileSync(SCREENSHOT, await page.screenshot({ type: 'png' }));
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The WSO2 guide's first part: Add, Service Provider Name, Description, Register. */
async function register(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Service Providers' }).click();
  await page.getByRole('link', { name: 'Add', exact: true }).click();
  await page.getByLabel('Service Provider Name').fill(name);
  await page.getByLabel('Description').fill('Payroll for Acme staff');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Advanced Configuration, Add Authentication Step, an authenticator under Local Authenticators, Add Authenticator. */
async function addStep(page: Page, number: number, authenticator: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Authentication Step' }).click();
  const step = page.getByRole('group', { name: `Step ${number}`, exact: true });
  await step.getByLabel('Local Authenticators').selectOption(authenticator);
  await step.getByRole('button', { name: 'Add Authenticator' }).click();
}

describe('admin console: Service Providers (Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let admin: { context: BrowserContext; page: Page };
  const clock = manualClock();

  before(async () => {
    ensureConsoleBuilt();
    [browser, server] = await Promise.all([launchChromium(), startServer({ clock })]);
    await createScimUser(server, { ...TINA, email: 'tina@example.com' });
    await createScimUser(server, { ...OLGA, email: 'olga@example.com' });
    admin = await signedInConsolePage(browser, server.url, ADMIN.username, ADMIN.password);
  });
  after(async () => {
    await admin?.context.close();
    await Promise.all([browser?.close(), server?.close()]);
  });

  it('the administrator follows the WSO2 guide (two steps: basic, totp); the application then signs in with password and TOTP', async () => {
    const { page } = admin;
    assert.match(new URL(page.url()).pathname, /^\/console\/service-providers$/, 'back from the login page to the console, the code exchanged');

    await register(page, 'Acme Payroll');
    await page.getByRole('button', { name: 'Local and Outbound Authentication Configuration' }).click();
    await page.getByLabel('Advanced Configuration').check();
    await addStep(page, 1, 'basic');
    await addStep(page, 2, 'totp');
    const step1 = page.getByRole('group', { name: 'Step 1', exact: true });
    const step2 = page.getByRole('group', { name: 'Step 2', exact: true });
    assert.match(await step1.getByRole('list').innerText(), /basic \(Username & Password\)/);
    assert.match(await step2.getByRole('list').innerText(), /totp/);
    assert.ok(await step1.getByLabel('Use subject identifier from this step').isChecked());
    assert.ok(await step1.getByLabel('Use attributes from this step').isChecked());
    assert.equal(await step2.getByLabel('Use subject identifier from this step').isChecked(), false);
    await expectToastAfter(page, /updated/, () => page.getByRole('button', { name: 'Update', exact: true }).click());

    if (!existsSync(SCREENSHOT) || process.env.GATEHOUSE_UPDATE_SCREENSHOTS === '1') await saveScreenshot(page);

    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    const stored = await api(server, 'GET', `/api/server/v1/applications/${id}`, { auth: server.adminAuth });
    assert.deepEqual(stored.body.authenticationSequence, {
      type: 'USER_DEFINED',
      steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] }, { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }] }],
      subjectStepId: 1,
      attributeStepId: 1,
    });

    // Inbound Authentication Configuration → OAuth/OpenID Connect: the callback, then the client key and secret.
    await page.getByRole('button', { name: 'Inbound Authentication Configuration' }).click();
    await page.getByLabel('Callback URLs').fill(REDIRECT_URI);
    await expectToastAfter(page, /updated/, () => page.getByRole('button', { name: 'Update', exact: true }).click());
    const clientId = await page.getByLabel('OAuth Client Key', { exact: true }).inputValue();
    const clientSecret = await page.getByLabel('Client Secret', { exact: true }).inputValue();
    assert.ok(clientId.length >= 20 && clientSecret.length >= 40, 'the page shows the client key and secret');

    // Back-channel logout URL: plain http to another host is refused next to the field; https is kept.
    const logoutUrl = page.getByLabel('Back-channel logout URL');
    await logoutUrl.fill('http://wiki.example.com/logout');
    await page.getByRole('button', { name: 'Update', exact: true }).click();
    await page.getByText(/backChannelLogoutUrl must use https/).waitFor();
    await logoutUrl.fill('https://wiki.example.com/logout');
    await expectToastAfter(page, /updated/, () => page.getByRole('button', { name: 'Update', exact: true }).click());
    const withLogout = await api(server, 'GET', `/api/server/v1/applications/${id}/inbound-protocols/oidc`, { auth: server.adminAuth });
    assert.deepEqual(withLogout.body.logout, { backChannelLogoutUrl: 'https://wiki.example.com/logout' });

    // The application's sign-in: password, then TOTP (enrolled during this first sign-in).
    const first = await startTwoStep({ issuer: server.tenant.issuer, clientId, clientSecret, redirectUri: REDIRECT_URI, username: TINA.userName, password: TINA.password });
    assert.equal(first.status, 200, first.page.slice(0, 300));
    const secret = secretFromPage(first.page);
    const done = await submitCode(first.browser, first.url, first.page, codeAt(secret, clock.seconds()), REDIRECT_URI);
    assert.ok(done.url.startsWith(REDIRECT_URI), `stopped at ${done.url}: ${done.page.slice(0, 300)}`);
    const claims = (await exchange(first.config, { ...first.started, callback: new URL(done.url) })).claims()!;
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

    // Regenerate Secret: confirmed in a dialog; the page shows the new secret, the old one no longer works.
    await expectToastAfter(page, /new client secret/, async () => {
      await page.getByRole('button', { name: 'Regenerate Secret' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Regenerate Secret' }).click();
    });
    const regenerated = await page.getByLabel('Client Secret', { exact: true }).inputValue();
    assert.notEqual(regenerated, clientSecret);
    const oidc = await api(server, 'GET', `/api/server/v1/applications/${id}/inbound-protocols/oidc`, { auth: server.adminAuth });
    assert.equal(oidc.body.clientSecret, regenerated);
  });

  it('shows the server\'s validation error next to the step it is about (totp in the first step), and saves nothing', async () => {
    const { page } = admin;
    await register(page, 'Inline Errors');
    await page.getByRole('button', { name: 'Local and Outbound Authentication Configuration' }).click();
    await page.getByLabel('Advanced Configuration').check();
    await addStep(page, 1, 'totp');
    await page.getByRole('button', { name: 'Update', exact: true }).click();
    const step1 = page.getByRole('group', { name: 'Step 1', exact: true });
    await step1.getByText('totp cannot be in the first step').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /not updated/);
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    const stored = await api(server, 'GET', `/api/server/v1/applications/${id}`, { auth: server.adminAuth });
    assert.equal(stored.body.authenticationSequence.type, 'DEFAULT');

    // Leaving with unsaved changes asks first; staying keeps them.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Leave without saving?' });
    await dialog.getByRole('button', { name: 'Stay on this page' }).click();
    assert.equal(await step1.count(), 1, 'still on the page with the step');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
    await dialog.getByRole('button', { name: 'Leave this page' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });

  it('lists, searches, pages and deletes service providers (with a confirmation)', async () => {
    const { page } = admin;
    for (let i = 1; i <= 11; i += 1) await api(server, 'POST', '/api/server/v1/applications', { auth: server.adminAuth, body: { name: `Bulk ${String(i).padStart(2, '0')}` } });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Service Providers' }).click();
    await page.getByLabel('Search by name').fill('bulk');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Showing 1–10 of 11').waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Showing 11–11 of 11').waitFor();
    await expectToastAfter(page, /deleted/, async () => {
      await page.getByRole('button', { name: 'Delete Bulk 11' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    });
    await page.getByText('Showing 1–10 of 10').waitFor();
    // A page past the end (an old link) says so and offers the last page.
    await page.goto(`${server.url}/console/service-providers?search=bulk&page=9`);
    await page.getByText('Page 9 is past the end: there is 1 page (10 in all).').waitFor();
    await page.getByRole('button', { name: 'Go to the last page' }).click();
    await page.getByText('Showing 1–10 of 10').waitFor();
    const gone = await api(server, 'GET', `/api/server/v1/applications?filter=${encodeURIComponent('name eq "Bulk 11"')}`, { auth: server.adminAuth });
    assert.equal(gone.body.totalResults, 0);
    // The console's own system application is listed but cannot be deleted.
    await page.getByLabel('Search by name').fill('console');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: 'Gatehouse Console', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0);
  });

  it('has no horizontal scroll at 360 px and no serious or critical axe-core violations', async () => {
    const { page } = admin;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Service Providers' }).click();
    await page.getByRole('link', { name: 'Acme Payroll', exact: true }).waitFor();
    assert.deepEqual(await axeProblems(page), [], 'list page');

    await page.getByRole('link', { name: 'Acme Payroll', exact: true }).click();
    for (const section of ['Inbound Authentication Configuration', 'Local and Outbound Authentication Configuration']) {
      await page.getByRole('button', { name: section }).click();
    }
    await page.getByRole('group', { name: 'Step 2', exact: true }).waitFor();
    assert.deepEqual(await axeProblems(page), [], 'edit page with every section open');
    const editUrl = page.url();

    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await horizontalOverflow(page), 0, 'edit page at 360 px');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Service Providers' }).click();
    await page.getByRole('link', { name: 'Acme Payroll', exact: true }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'list page at 360 px');
    assert.deepEqual(await axeProblems(page), [], 'list page at 360 px');
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    await page.getByLabel('Service Provider Name').waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'add page at 360 px');
    assert.deepEqual(await axeProblems(page), [], 'add page');
    assert.ok(editUrl);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('a tenant\'s console lives at /t/{tenant}/console: its administrator signs in there and sees only that tenant (and no Tenants page)', async () => {
    const owner = { username: 'acme-owner', password: 'acme-owner-Passw0rd!' };
    const created = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'acme.com', owner } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(await admin.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Tenants' }).count(), 1, 'the super administrator has Tenants');

    const tenantAdmin = await newConsolePage(browser);
    try {
      const { page } = tenantAdmin;
      await signInToConsole(page, `${server.url}/t/acme.com`, owner.username, owner.password);
      await page.getByRole('heading', { level: 1, name: 'Service Providers' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/t/acme.com/console/service-providers');
      assert.match(await page.getByRole('banner').innerText(), /acme\.com/);
      await page.getByRole('link', { name: 'Gatehouse Console', exact: true }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Acme Payroll', exact: true }).count(), 0, 'carbon.super\'s service providers stay out');
      assert.equal(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Tenants' }).count(), 0);
      await page.goto(`${server.url}/t/acme.com/console/tenants`);
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    } finally {
      await tenantAdmin.context.close();
    }
  });

  it('an ordinary user who signs in gets "You do not have administrator access" and a token without admin scopes', async () => {
    const user = await newConsolePage(browser);
    try {
      await signInToConsole(user.page, server.url, OLGA.userName, OLGA.password);
      await user.page.getByRole('heading', { level: 1, name: 'You do not have administrator access' }).waitFor();
      assert.equal(await user.page.getByRole('navigation').count(), 0, 'no console navigation');
      assert.deepEqual(await axeProblems(user.page), []);
      const token = await user.page.evaluate(() => {
        const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
        return (JSON.parse(storage.getItem('gatehouse.console.session:carbon.super') ?? '{}') as { accessToken?: string }).accessToken;
      });
      assert.ok(token, 'the console holds the user\'s token in this tab');
      const refused = await api(server, 'GET', '/api/server/v1/applications', { auth: `Bearer ${token}` });
      assert.equal(refused.status, 403);

      // Sign out: the provider asks, then the console says so.
      await user.page.getByRole('button', { name: 'Sign out' }).click();
      await user.page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await user.page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
      const after = await api(server, 'GET', '/api/users/v1/me/totp', { auth: `Bearer ${token}` });
      assert.equal(after.status, 401, 'the console revoked its token on sign-out');
    } finally {
      await user.context.close();
    }
  });
});
