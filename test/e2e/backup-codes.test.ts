// Backup codes in a real browser: an application whose step 2 offers the authenticator app
// or a backup code. A new user enrolls TOTP through the chooser, creates backup codes on
// the offer page, downloads them, opens the print view (checked in print media) and reads
// the codes from it, continues to the application; a later sign-in picks "Use a backup
// code" and gets in with one; the same code is refused the second time.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { registerApp, createScimUser } from '../helpers/api.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { describeInChromium } from '../helpers/e2e-suite.js';
import { inFreshPage, signInWithPassword, submit, enrollTotp } from '../helpers/chromium-signin.js';
import { WITH_BACKUP } from '../helpers/backup-codes.js';

const CODE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;
const PASSWORD = 'berts long password';

const listedCodes = async (page: Page): Promise<string[]> =>
  (await page.getByRole('list', { name: 'Backup codes' }).getByRole('listitem').allInnerTexts()).map((c) => c.trim());

describeInChromium('backup codes in Chromium', (env) => {
  it('enroll, create and print backup codes, then sign in with one through the chooser; it works once', async () => {
    const { browser, server, rp, clock } = env;
    const app = await registerApp(server, { name: 'Acme Payroll', sequence: WITH_BACKUP, redirectUri: rp.redirectUri });
    await createScimUser(server, { userName: 'bert', password: PASSWORD });

    const auth = await authorizationFor(server, app);
    const codes = await inFreshPage(browser, async (page) => {
      await page.goto(auth.url.href);
      await signInWithPassword(page, 'bert', PASSWORD);
      await page.getByRole('button', { name: 'Use your authenticator app' }).click();
      const { submitted: enrolled } = await enrollTotp(page, rp, clock, 'Verify and finish');
      assert.equal(enrolled.reached, false, 'the offer comes before the application');
      assert.equal(enrolled.status, 200, enrolled.message);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Two-step verification is set up');
      assert.equal(await page.getByRole('button', { name: 'Continue without' }).count(), 1);

      await submit(page, rp, 'Create backup codes');
      const shown = await listedCodes(page);
      assert.equal(shown.length, 10);
      for (const code of shown) assert.match(code, CODE);

      const downloading = page.waitForEvent('download');
      await page.getByRole('link', { name: /Download the codes/ }).click();
      const download = await downloading;
      assert.equal(download.suggestedFilename(), 'backup-codes.txt');
      const text = await readFile((await download.path())!, 'utf8');
      for (const code of shown) assert.ok(text.includes(code), `the downloaded file has ${code}`);

      const print = await submit(page, rp, 'Print view');
      assert.equal(print.status, 200);
      const printed = await listedCodes(page);
      assert.deepEqual(printed, shown, 'the print view shows the same codes');
      // On paper: the codes, without buttons, the cancel link or the footer.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.getByRole('list', { name: 'Backup codes' }).isVisible(), true);
      assert.equal(await page.getByRole('button', { name: 'Continue', exact: true }).isVisible(), false);
      assert.equal(await page.getByRole('link', { name: /Cancel/ }).isVisible(), false);
      await page.emulateMedia({ media: 'screen' });

      const done = await submit(page, rp, 'Continue');
      assert.ok(done.reached, `Continue did not reach the application (${done.status}): ${done.message}`);
      const claims = (await auth.exchange(done.url)).claims()!;
      assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
      return printed;
    });

    // A later sign-in, phone lost: "Use a backup code".
    const again = await authorizationFor(server, app);
    await inFreshPage(browser, async (page) => {
      await page.goto(again.url.href);
      await signInWithPassword(page, 'bert', PASSWORD);
      await page.getByRole('button', { name: 'Use a backup code' }).click();
      const field = page.getByLabel('Backup code');
      assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
      await field.fill(codes[0]!);
      const done = await submit(page, rp, 'Verify');
      assert.ok(done.reached, `the backup code was refused (${done.status}): ${done.message}`);
      const claims = (await again.exchange(done.url)).claims()!;
      assert.deepEqual(claims.amr, ['pwd', 'mfa']);
      assert.equal(claims.acr, 'urn:gatehouse:acr:mfa');
    });

    await inFreshPage(browser, async (page) => {
      await page.goto((await authorizationFor(server, app)).url.href);
      await signInWithPassword(page, 'bert', PASSWORD);
      await page.getByRole('button', { name: 'Use a backup code' }).click();
      await page.getByLabel('Backup code').fill(codes[0]!);
      const replayed = await submit(page, rp, 'Verify');
      assert.equal(replayed.reached, false, 'a used backup code reached the application');
      assert.equal(replayed.status, 400);
      assert.match(replayed.message, /not correct or was already used/);
      assert.equal(rp.received().length, 2, 'only the first two sign-ins came back to the application');
    });
  });
});
