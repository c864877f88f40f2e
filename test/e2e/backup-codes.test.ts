// Backup codes in a real browser: an application whose step 2 offers the authenticator app
// or a backup code. A new user enrolls TOTP through the chooser, creates backup codes on
// the offer page, downloads them, opens the print view (checked in print media) and reads
// the codes from it, continues to the application; a later sign-in picks "Use a backup
// code" and gets in with one; the same code is refused the second time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser } from '../helpers/api.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { launchChromium } from '../helpers/chromium.js';
import { startCallbackServer, type CallbackServer } from '../helpers/callback-server.js';
import { manualClock, codeAt } from '../helpers/totp.js';

const CODE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;
const PASSWORD = 'berts long password';

const WITH_BACKUP = {
  type: 'USER_DEFINED',
  steps: [
    { id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] },
    { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }, { idp: 'LOCAL', authenticator: 'backup-code-authenticator' }] },
  ],
  subjectStepId: 1,
  attributeStepId: 1,
};

async function freshBrowser(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

async function signInWithPassword(page: Page, username: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Clicks a submit button and waits for what the POST led to: the callback, or a page with its message. */
async function press(page: Page, rp: CallbackServer, button: string) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const landed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await page.getByRole('button', { name: button, exact: true }).click();
  const [response] = await Promise.all([posted, landed]);
  await page.waitForLoadState('domcontentloaded');
  const reached = rp.isCallback(new URL(page.url()));
  const alert = page.getByRole('alert');
  const message = reached || (await alert.count()) === 0 ? '' : ((await alert.textContent()) ?? '').trim();
  return { status: response.status(), reached, message, url: page.url() };
}

const listedCodes = async (page: Page): Promise<string[]> =>
  (await page.getByRole('list', { name: 'Backup codes' }).getByRole('listitem').allInnerTexts()).map((c) => c.trim());

describe('backup codes in Chromium', () => {
  let browser: Browser;
  before(async () => { browser = await launchChromium(); });
  after(() => browser?.close());

  for (const dialect of DIALECTS) {
    describe(`on ${dialect}`, () => {
      let server: TestServer;
      let rp: CallbackServer;
      const clock = manualClock();
      before(async () => { [server, rp] = await Promise.all([startServer({ dialect, clock }), startCallbackServer()]); });
      after(async () => { await Promise.all([server?.close(), rp?.close()]); });

      it('enroll, create and print backup codes, then sign in with one through the chooser; it works once', async () => {
        const app = await registerApp(server, { name: 'Acme Payroll', sequence: WITH_BACKUP, redirectUri: rp.redirectUri });
        await createScimUser(server, { userName: 'bert', password: PASSWORD });

        let codes: string[];
        const auth = await authorizationFor(server, app);
        const first = await freshBrowser(browser);
        try {
          await first.page.goto(auth.url.href);
          await signInWithPassword(first.page, 'bert');
          await first.page.getByRole('button', { name: 'Use your authenticator app' }).click();
          const secret = (await first.page.getByLabel('Setup key').textContent())!.replace(/\s/g, '');
          await first.page.getByLabel('Verification code').fill(codeAt(secret, clock.seconds()));
          const enrolled = await press(first.page, rp, 'Verify and finish');
          assert.equal(enrolled.reached, false, 'the offer comes before the application');
          assert.equal(enrolled.status, 200, enrolled.message);
          assert.equal(await first.page.getByRole('heading', { level: 1 }).textContent(), 'Two-step verification is set up');
          assert.equal(await first.page.getByRole('button', { name: 'Continue without' }).count(), 1);

          await press(first.page, rp, 'Create backup codes');
          const shown = await listedCodes(first.page);
          assert.equal(shown.length, 10);
          for (const code of shown) assert.match(code, CODE);

          const downloading = first.page.waitForEvent('download');
          await first.page.getByRole('link', { name: /Download the codes/ }).click();
          const download = await downloading;
          assert.equal(download.suggestedFilename(), 'backup-codes.txt');
          const text = await readFile((await download.path())!, 'utf8');
          for (const code of shown) assert.ok(text.includes(code), `the downloaded file has ${code}`);

          const print = await press(first.page, rp, 'Print view');
          assert.equal(print.status, 200);
          codes = await listedCodes(first.page);
          assert.deepEqual(codes, shown, 'the print view shows the same codes');
          // On paper: the codes, without buttons, the cancel link or the footer.
          await first.page.emulateMedia({ media: 'print' });
          assert.equal(await first.page.getByRole('list', { name: 'Backup codes' }).isVisible(), true);
          assert.equal(await first.page.getByRole('button', { name: 'Continue', exact: true }).isVisible(), false);
          assert.equal(await first.page.getByRole('link', { name: /Cancel/ }).isVisible(), false);
          await first.page.emulateMedia({ media: 'screen' });

          const done = await press(first.page, rp, 'Continue');
          assert.ok(done.reached, `Continue did not reach the application (${done.status}): ${done.message}`);
          const claims = (await auth.exchange(done.url)).claims()!;
          assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
        } finally {
          await first.context.close();
        }

        // A later sign-in, phone lost: "Use a backup code".
        const again = await authorizationFor(server, app);
        const second = await freshBrowser(browser);
        try {
          await second.page.goto(again.url.href);
          await signInWithPassword(second.page, 'bert');
          await second.page.getByRole('button', { name: 'Use a backup code' }).click();
          const field = second.page.getByLabel('Backup code');
          assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
          await field.fill(codes[0]!);
          const done = await press(second.page, rp, 'Verify');
          assert.ok(done.reached, `the backup code was refused (${done.status}): ${done.message}`);
          const claims = (await again.exchange(done.url)).claims()!;
          assert.deepEqual(claims.amr, ['pwd', 'mfa']);
          assert.equal(claims.acr, 'urn:gatehouse:acr:mfa');
        } finally {
          await second.context.close();
        }

        const third = await freshBrowser(browser);
        try {
          await third.page.goto((await authorizationFor(server, app)).url.href);
          await signInWithPassword(third.page, 'bert');
          await third.page.getByRole('button', { name: 'Use a backup code' }).click();
          await third.page.getByLabel('Backup code').fill(codes[0]!);
          const replayed = await press(third.page, rp, 'Verify');
          assert.equal(replayed.reached, false, 'a used backup code reached the application');
          assert.equal(replayed.status, 400);
          assert.match(replayed.message, /not correct or was already used/);
          assert.equal(rp.received().length, 2, 'only the first two sign-ins came back to the application');
        } finally {
          await third.context.close();
        }
      });
    });
  }
});
