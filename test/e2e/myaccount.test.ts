// My Account (/myaccount) in Chromium, as a user who is not an administrator: signs in
// through the tenant's login page, sets up an authenticator app (a wrong code refused, the
// right one makes it active), moves it to a new phone with a code from the old one (whose
// codes then stop working), generates backup codes, and changes the password (a mismatch
// refused before asking the server, a wrong current password refused by it, then the new
// one signs in), and removes the app (which signs the user out everywhere). "Where you're
// signed in" lists the sessions of two and three browser contexts and signs out one, then
// every other one, whose pages then ask to sign in again. Checked at
// 360 px and with axe-core. A tenant's /t/{tenant}/myaccount/ signs in against that
// tenant, says until when too many wrong codes lock the app, offers to sign in again once
// the session was ended elsewhere, and signs out. One browser and one server (SQLite): the self-service API
// behind the page is tested on both stores in test/integration/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startServer, basicAuth, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser } from '../helpers/api.js';
import { launchChromium } from '../helpers/chromium.js';
import { manualClock, codeAt } from '../helpers/totp.js';
import { decodeQrFromPng } from '../helpers/qr-decode.js';
import { axeProblems, descriptionOf, ensureConsoleBuilt, horizontalOverflow, newConsolePage } from '../helpers/console-browser.js';

const NORA = { userName: 'nora', password: 'noras long password', email: 'nora@example.com', givenName: 'Nora', familyName: 'Lind' };
const NEW_PASSWORD = 'noras new long password';
const CURRENT_CODE = 'Code from your current authenticator app';
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SESSIONS = "Where you're signed in";

/** A time as the page shows it to this file's en-US, UTC browsers, spaces made plain. */
const shownTime = (millis: string) =>
  new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(Number(millis)).replace(/\s+/g, ' ');
const plainText = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ');

/** The login page the app sends the browser to: the tenant's own. */
async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My Account' }).waitFor();
}

/** The setup key the page shows (groups of four), and what its QR code says, as a phone would read them. */
async function shownSecret(card: Locator): Promise<{ secret: string; qrSecret: string | null }> {
  const qr = card.getByRole('img', { name: /QR code/ });
  await qr.waitFor();
  const key = await card.locator('code.secret').innerText();
  assert.match(key, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'the key in groups of four');
  const src = await qr.getAttribute('src') ?? '';
  assert.match(src, /^data:image\/png;base64,/);
  const uri = decodeQrFromPng(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64'));
  return { secret: key.replace(/ /g, ''), qrSecret: new URL(uri).searchParams.get('secret') };
}

describe('My Account: password, authenticator app, backup codes and sessions of the signed-in user (Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let nora: { context: BrowserContext; page: Page };
  let noraId: string;
  let oldSecret: string;
  let newSecret: string;
  const clock = manualClock();

  const totpCard = () => nora.page.getByRole('region', { name: 'Authenticator app' });
  const backupCard = () => nora.page.getByRole('region', { name: 'Backup codes' });
  const adminTotp = async () => (await api(server, 'GET', `/api/server/v1/users/${noraId}/totp`, { auth: server.adminAuth })).body;

  before(async () => {
    ensureConsoleBuilt();
    [browser, server] = await Promise.all([
      launchChromium(),
      startServer({ clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } }),
    ]);
    noraId = (await createScimUser(server, NORA)).id;
    nora = await newConsolePage(browser);
  });
  after(async () => {
    await nora?.context.close();
    await Promise.all([browser?.close(), server?.close()]);
  });

  it('attack: a crafted callback link cannot put its own words on the page', async () => {
    const { page } = nora;
    const bait = 'Your account is suspended. Call +1 555 0100 now.';
    await page.goto(`${server.url}/myaccount/callback?error=access_denied&state=forged&error_description=${encodeURIComponent(bait)}`);
    await page.getByText(/does not belong to a sign-in started in this tab/).waitFor();
    assert.doesNotMatch(await page.locator('body').innerText(), /suspended|555/);
  });

  it('sends a signed-out visitor to the login page, then shows who signed in', async () => {
    const { page } = nora;
    await page.goto(`${server.url}/myaccount/`);
    await page.getByLabel('Username').waitFor();
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/myaccount/, 'on the login page');
    await signIn(page, NORA.userName, NORA.password);
    assert.equal(new URL(page.url()).pathname, '/myaccount/', 'back from the login page, the code exchanged');
    const who = await page.locator('.who').innerText();
    assert.match(who, /Signed in as Nora Lind \(username nora\)/);
    assert.match(who, /nora@example\.com/);
    await totpCard().getByText('No authenticator app is set up.').waitFor();
    assert.equal(await backupCard().count(), 0, 'no backup codes without an authenticator app');
  });

  it('sets up an authenticator app: a wrong code is refused, the right one makes it active', async () => {
    const card = totpCard();
    await card.getByRole('button', { name: 'Set up authenticator app' }).click();
    const shown = await shownSecret(card);
    oldSecret = shown.secret;
    assert.equal(shown.qrSecret, oldSecret, 'the QR code carries the key shown for typing');
    assert.match(await card.innerText(), /Google Authenticator, Microsoft Authenticator or any other authenticator app/);
    assert.equal((await adminTotp()).status, 'pending');

    const code = card.getByLabel('Verification code');
    assert.deepEqual([await code.getAttribute('inputmode'), await code.getAttribute('autocomplete')], ['numeric', 'one-time-code']);
    await code.fill(codeAt(oldSecret, clock.seconds() + 600));
    await card.getByRole('button', { name: 'Verify' }).click();
    await card.getByText(/That code is not correct/).waitFor();
    assert.match(await descriptionOf(code), /not correct/, 'the error is the field\'s description');
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    assert.equal((await adminTotp()).status, 'pending', 'still pending');

    // A reload in the middle of the setup shows the same pending secret again.
    await nora.page.reload();
    assert.equal((await shownSecret(card)).secret, oldSecret);
    assert.deepEqual(await axeProblems(nora.page), [], 'the setup with its QR code');
    await code.fill(codeAt(oldSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Verify' }).click();
    await card.getByText(/Your authenticator app is set up/).waitFor();
    assert.equal((await adminTotp()).status, 'active', 'the API: active');
    await backupCard().getByText('You have no backup codes.').waitFor();
  });

  it('moves it to a new phone with a code from the old one; then the old app\'s codes are refused (Remove with one changes nothing)', async () => {
    clock.advance(30);
    const card = totpCard();
    // A move started and cancelled leaves the old app alone and nothing pending.
    await card.getByRole('button', { name: 'Set up on a new phone' }).click();
    await card.getByLabel(CURRENT_CODE).fill(codeAt(oldSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Continue' }).click();
    const abandoned = (await shownSecret(card)).secret;
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: 'Set up on a new phone' }).waitFor();
    assert.deepEqual([(await adminTotp()).status, (await adminTotp()).pendingReplacement], ['active', false], 'Cancel forgot the new phone\'s secret only');

    clock.advance(30);
    await card.getByRole('button', { name: 'Set up on a new phone' }).click();
    await card.getByLabel(CURRENT_CODE).fill(codeAt(oldSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Continue' }).click();
    newSecret = (await shownSecret(card)).secret;
    assert.notEqual(newSecret, abandoned);
    assert.notEqual(newSecret, oldSecret);
    assert.deepEqual([(await adminTotp()).status, (await adminTotp()).pendingReplacement], ['active', true], 'the old app keeps working until the new one is verified');

    await card.getByLabel('Verification code').fill(codeAt(newSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Verify' }).click();
    await card.getByText(/Your authenticator app is set up/).waitFor();
    assert.deepEqual([(await adminTotp()).status, (await adminTotp()).pendingReplacement], ['active', false]);

    clock.advance(30);
    await card.getByRole('button', { name: 'Remove' }).click();
    const proof = card.getByLabel(CURRENT_CODE);
    await proof.fill(codeAt(oldSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Remove authenticator app' }).click();
    await card.getByText(/That code is not correct/).waitFor();
    assert.equal(await proof.getAttribute('aria-invalid'), 'true');
    assert.equal((await adminTotp()).status, 'active', 'nothing removed');
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: 'Set up on a new phone' }).waitFor();
  });

  it('generates backup codes with a code from the app and shows them once', async () => {
    const card = backupCard();
    await card.getByRole('button', { name: 'Generate new backup codes' }).click();
    await card.getByLabel(CURRENT_CODE).fill(codeAt(newSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Generate codes' }).click();
    const list = card.getByRole('list', { name: 'Backup codes' });
    await list.waitFor();
    const codes = await list.getByRole('listitem').allInnerTexts();
    assert.ok(codes.length >= 5, `${codes.length} codes`);
    assert.equal(new Set(codes).size, codes.length, 'all different');
    await card.getByText(`You have ${codes.length} backup codes left.`).waitFor();
    assert.match(await card.innerText(), /somewhere safe/);
    const count = await api(server, 'GET', `/api/server/v1/users/${noraId}/backup-codes`, { auth: server.adminAuth });
    assert.equal(count.body.remainingBackupCodesCount, codes.length, 'the API counts what the page showed');
    await card.getByRole('button', { name: 'I have saved them' }).click();
    assert.equal(await list.count(), 0, 'shown once');
  });

  it('has no horizontal scroll at 360 px and no serious or critical axe-core problems', async () => {
    const { page } = nora;
    assert.deepEqual(await axeProblems(page), [], 'the page with an active authenticator app');
    await totpCard().getByRole('button', { name: 'Set up on a new phone' }).click();
    await totpCard().getByLabel(CURRENT_CODE).waitFor();
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await horizontalOverflow(page), 0, 'at 360 px');
    assert.deepEqual(await axeProblems(page), [], 'at 360 px, with the code form open');
    await totpCard().getByRole('button', { name: 'Cancel' }).click();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('changes the password: a mismatch is refused before asking the server, a wrong current password by the server; then the new one signs in', async () => {
    const { page } = nora;
    const card = page.getByRole('region', { name: 'Password' });
    let asked = 0;
    page.on('request', (request) => { if (request.url().endsWith('/api/users/v1/me/password')) asked += 1; });
    const current = card.getByLabel('Current password');
    const next = card.getByLabel('New password', { exact: true });
    const again = card.getByLabel('Confirm new password');
    assert.deepEqual([await current.getAttribute('autocomplete'), await next.getAttribute('autocomplete'), await again.getAttribute('autocomplete')],
      ['current-password', 'new-password', 'new-password']);

    await current.fill(NORA.password);
    await next.fill(NEW_PASSWORD);
    await again.fill(`${NEW_PASSWORD}!`);
    await card.getByRole('button', { name: 'Change password' }).click();
    await card.getByText(/The two new passwords are not the same/).waitFor();
    assert.match(await descriptionOf(again), /not the same/);
    assert.equal(asked, 0, 'the server was not asked');

    await current.fill('not noras password');
    await again.fill(NEW_PASSWORD);
    await card.getByRole('button', { name: 'Change password' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /current password is not correct/);
    assert.equal(asked, 1);

    await current.fill(NORA.password);
    await card.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your password was changed' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Sign in again with the new password/);
    assert.deepEqual(await axeProblems(page), [], 'the signed-out screen');
    const scimAs = async (password: string) => (await api(server, 'GET', '/scim2/Users', { auth: basicAuth(NORA.userName, password) })).status;
    assert.equal(await scimAs(NORA.password), 401, 'the old password stopped working');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await signIn(page, NORA.userName, NEW_PASSWORD);
    assert.match(await page.locator('.who').innerText(), /Nora Lind/);
    await totpCard().getByText(/Your authenticator app is set up/).waitFor();
  });

  it('removes the authenticator app with a code from it, which signs the user out everywhere', async () => {
    const { page } = nora;
    clock.advance(30);
    const card = totpCard();
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.getByLabel(CURRENT_CODE).fill(codeAt(newSecret, clock.seconds()));
    await card.getByRole('button', { name: 'Remove authenticator app' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your authenticator app was removed' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Your authenticator app was removed\. You have been signed out everywhere\./);
    assert.equal((await adminTotp()).status, 'none', 'the API: removed');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await signIn(page, NORA.userName, NEW_PASSWORD);
    await totpCard().getByText('No authenticator app is set up.').waitFor();
  });

  it('lists where the user is signed in; signs out another device, whose page then asks to sign in again; then every other device at once', async () => {
    const { page } = nora;
    const card = page.getByRole('region', { name: SESSIONS });
    const items = card.getByRole('listitem');
    const onlyHere = card.getByText('You are signed in on this device only.');
    await onlyHere.waitFor();
    assert.equal(await items.count(), 1);
    assert.equal(await card.getByRole('button', { name: 'Sign out all other devices' }).count(), 0, 'no other device to sign out');

    /** Nora signs in to My Account in a browser of her own: another session at the server. */
    const elsewhere: BrowserContext[] = [];
    const signInElsewhere = async (userAgent?: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US', ...(userAgent ? { userAgent } : {}) });
      elsewhere.push(context);
      context.setDefaultTimeout(15_000);
      const other = await context.newPage();
      await other.goto(`${server.url}/myaccount/`);
      await signIn(other, NORA.userName, NEW_PASSWORD);
      return other;
    };
    /** Its token was revoked: the next call is refused, and the page says the session ended. */
    const assertSessionOver = async (other: Page) => {
      const refused = other.waitForResponse((r) => r.url().includes('/api/users/v1/me/'));
      await other.reload();
      assert.equal((await refused).status(), 401);
      await other.getByRole('heading', { level: 1, name: 'Your session has ended' }).waitFor();
    };

    try {
      const laptop = await signInElsewhere(FIREFOX_ON_WINDOWS);
      const listed = page.waitForResponse((r) => r.url().endsWith('/api/users/v1/me/sessions') && r.request().method() === 'GET');
      await page.reload();
      const { sessions } = await (await listed).json() as { sessions: Array<{ current: boolean; loginTime: string; lastAccessTime: string }> };
      await items.nth(1).waitFor();
      assert.equal(await items.count(), 2);
      assert.deepEqual(sessions.map((s) => s.current), [true, false], 'this page\'s session first');
      for (const s of sessions) {
        // The server's time is this file's manual clock.
        assert.ok(Math.abs(Number(s.loginTime) - clock.now().getTime()) < 10 * 60_000, `loginTime ${s.loginTime} is epoch milliseconds of a sign-in just now`);
        assert.ok(Number(s.lastAccessTime) >= Number(s.loginTime), 'active since the sign-in');
      }
      const [here, there] = [await plainText(items.nth(0)), await plainText(items.nth(1))];
      assert.match(here, /^Chrome on Linux This device /, 'this headless Chromium, marked');
      assert.match(there, /^Firefox on Windows IP address: /, 'the other browser, by its user agent');
      assert.ok(there.includes(`IP address: 127.0.0.1 Signed in: ${shownTime(sessions[1]!.loginTime)} Last active: `), there);
      assert.match(there, /Signed in to: My Account Sign out$/, 'its applications, then its own button');
      assert.equal(await items.nth(0).getByRole('button').count(), 0, 'this device has the page\'s own Sign out');
      assert.deepEqual(await axeProblems(page), [], 'the card with two sessions');

      // The laptop sees the same two, itself as "This device".
      const laptopItems = laptop.getByRole('region', { name: SESSIONS }).getByRole('listitem');
      await laptopItems.nth(1).waitFor();
      assert.match(await plainText(laptopItems.nth(0)), /^Firefox on Windows This device /);

      await card.getByRole('button', { name: /^Sign out Firefox on Windows, signed in / }).click();
      await page.locator('.toasts').getByText('Firefox on Windows is signed out.').waitFor();
      await onlyHere.waitFor();
      assert.equal(await items.count(), 1);
      const heading = card.getByRole('heading', { level: 2, name: SESSIONS });
      assert.ok(await heading.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement), 'focus on the card\'s heading, not lost with the button');

      await assertSessionOver(laptop);
      // Its browser session at the server ended too: signing in asks for the password again.
      await laptop.getByRole('button', { name: 'Sign in' }).click();
      await signIn(laptop, NORA.userName, NEW_PASSWORD);

      const desktop = await signInElsewhere();
      await page.reload();
      await items.nth(2).waitFor();
      await page.setViewportSize({ width: 360, height: 740 });
      assert.equal(await horizontalOverflow(page), 0, 'three sessions at 360 px');
      await card.getByRole('button', { name: 'Sign out all other devices' }).click();
      await card.getByRole('heading', { level: 3, name: 'Sign out all other devices?' }).waitFor();
      assert.match(await card.innerText(), /This signs out 2 other devices/);
      assert.deepEqual(await axeProblems(page), [], 'at 360 px, asking to confirm');
      await card.getByRole('button', { name: 'Sign out other devices', exact: true }).click();
      await page.locator('.toasts').getByText('Signed out of 2 other devices.').waitFor();
      await onlyHere.waitFor();
      await page.setViewportSize({ width: 1280, height: 900 });
      await assertSessionOver(laptop);
      await assertSessionOver(desktop);

      await page.reload();
      await onlyHere.waitFor();
      assert.match(await plainText(items.nth(0)), /^Chrome on Linux This device /, 'this page stayed signed in');
    } finally {
      await Promise.all(elsewhere.map((context) => context.close()));
    }
  });

  it('a tenant\'s My Account at /t/{tenant}/myaccount/ signs in against that tenant, shows a lock, survives an ended session, and signs out', async () => {
    const owner = { username: 'acme-owner', password: 'acme-owner-Passw0rd!' };
    const created = await api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'acme.com', owner } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ownerAuth = basicAuth(owner.username, owner.password);
    const raviId = (await createScimUser(server, { userName: 'ravi', password: 'ravis long password', givenName: 'Ravi', familyName: 'Shah' },
      { prefix: '/t/acme.com', auth: ownerAuth })).id;

    const ravi = await newConsolePage(browser, { width: 360, height: 740 });
    try {
      const { page } = ravi;
      await page.goto(`${server.url}/t/acme.com/myaccount/`);
      await signIn(page, 'ravi', 'ravis long password');
      assert.equal(new URL(page.url()).pathname, '/t/acme.com/myaccount/');
      assert.match(await page.getByRole('banner').innerText(), /acme\.com/);
      assert.match(await page.locator('.who').innerText(), /Ravi Shah/);
      await page.getByRole('region', { name: 'Authenticator app' }).getByText('No authenticator app is set up.').waitFor();
      assert.equal(await horizontalOverflow(page), 0);

      // Wrong codes while setting up lock the app's codes for a while; the card says until when.
      const card = page.getByRole('region', { name: 'Authenticator app' });
      await card.getByRole('button', { name: 'Set up authenticator app' }).click();
      const { secret } = await shownSecret(card);
      const locked = card.getByText(/An administrator of your organization can unlock it sooner/);
      const wrong = card.getByText(/That code is not correct/);
      let tries = 0;
      while (!(await locked.isVisible())) {
        assert.ok((tries += 1) <= 6, 'locked after at most 5 wrong codes');
        await card.getByLabel('Verification code').fill(codeAt(secret, clock.seconds() + 600 * tries));
        await card.getByRole('button', { name: 'Verify' }).click();
        await wrong.or(locked).first().waitFor();
      }
      assert.match(await card.innerText(), /refused until .*20\d\d/);
      assert.equal(await card.getByLabel('Verification code').count(), 0, 'no code form while locked');

      // An administrator ends his sessions: the page's next call is refused, and it offers to sign in again.
      const ended = await api(server, 'POST', `/t/acme.com/api/server/v1/users/${raviId}/sign-out`, { auth: ownerAuth });
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Your session has ended' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await signIn(page, 'ravi', 'ravis long password');
      assert.equal(new URL(page.url()).pathname, '/t/acme.com/myaccount/');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/t/acme.com/myaccount/callback');
    } finally {
      await ravi.context.close();
    }
  });
});
