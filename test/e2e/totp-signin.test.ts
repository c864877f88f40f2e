// The seed scenario in a real browser: an application whose sequence is password then TOTP
// (registered through the REST API), a user created through SCIM, openid-client driving an
// authorization-code + PKCE sign-in through the real pages in Chromium. The QR code is read
// back from a screenshot, as a phone camera would, not from the HTML. The redirect URI is a
// real listener (see callback-server.ts for why a Playwright route cannot catch it).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import { registerApp, createScimUser } from '../helpers/api.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { describeInChromium } from '../helpers/e2e-suite.js';
import { inFreshPage, signInWithPassword, submitCode, setupKey } from '../helpers/chromium-signin.js';
import { decodeQrFromPng } from '../helpers/qr-decode.js';
import { TWO_STEP, codeAt } from '../helpers/totp.js';

const LOGIN_PATH = /\/authenticationendpoint\/[^/?#]+$/;
const BASE32_SECRET = /^[A-Z2-7]{32}$/;

/** What an authenticator app takes from the otpauth URI it scanned. */
function parseOtpauth(uri: string) {
  const url = new URL(uri);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  const label = decodeURIComponent(url.pathname.slice(1));
  const colon = label.indexOf(':');
  return {
    labelIssuer: colon < 0 ? undefined : label.slice(0, colon),
    account: colon < 0 ? label : label.slice(colon + 1),
    secret: url.searchParams.get('secret'),
    issuer: url.searchParams.get('issuer'),
    algorithm: url.searchParams.get('algorithm'),
    digits: url.searchParams.get('digits'),
    period: url.searchParams.get('period'),
  };
}

/** The code field every TOTP page has, checked for what phones and screen readers rely on. */
async function codeField(page: Page) {
  const field = page.getByLabel('Verification code');
  assert.equal(await field.count(), 1);
  assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await field.getAttribute('inputmode'), 'numeric');
  assert.equal(await field.getAttribute('name'), 'token');
}

/** Password on the login page (checked to be the login page first). */
async function passwordStep(page: Page, username: string, password: string) {
  assert.match(new URL(page.url()).pathname, LOGIN_PATH);
  await signInWithPassword(page, username, password);
}

describeInChromium('password + TOTP sign-in in Chromium', (env) => {
  it('a new user scans the QR from a screenshot, enrolls and gets amr otp; the next sign-in asks for a code only', async () => {
    const { browser, server, rp, clock } = env;
    const app = await registerApp(server, { name: 'Acme Payroll', sequence: TWO_STEP, redirectUri: rp.redirectUri });
    await createScimUser(server, { userName: 'tina', password: 'tinas long password', email: 'tina@example.com' });

    // First sign-in: password, then the enrollment page.
    const auth = await authorizationFor(server, app);
    const { secret, enrolledAt } = await inFreshPage(browser, async (page) => {
      await page.goto(auth.url.href);
      await passwordStep(page, 'tina', 'tinas long password');
      await page.getByLabel('Verification code').waitFor();
      const qr = page.getByAltText(/QR code/);
      assert.equal(await qr.count(), 1, 'the enrollment page has an image whose alt text says "QR code"');
      assert.match(new URL(page.url()).pathname, LOGIN_PATH);
      assert.equal(rp.received().length, 0, 'the password alone does not reach the application');
      assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /two-step verification/i);
      assert.match(await page.locator('main').innerText(), /Google Authenticator/);
      assert.ok(await qr.evaluate((img) => {
        // Runs in the page; the project's tsconfig has no DOM types.
        const loaded = img as unknown as { complete: boolean; naturalWidth: number };
        return loaded.complete && loaded.naturalWidth > 0;
      }), 'the QR image is loaded (the CSP allows it)');
      await codeField(page);

      // What a phone camera sees: the pixels Chromium rendered, not the img's src.
      const screenshot = await page.screenshot({ fullPage: true, type: 'png' });
      const scanned = parseOtpauth(decodeQrFromPng(screenshot));
      assert.equal(scanned.issuer, 'Gatehouse', 'issuer is the tenant display name, not carbon.super');
      assert.equal(scanned.labelIssuer, 'Gatehouse');
      assert.equal(scanned.account, 'tina');
      assert.equal(scanned.algorithm, 'SHA1');
      assert.equal(scanned.digits, '6');
      assert.equal(scanned.period, '30');
      assert.match(scanned.secret ?? '', BASE32_SECRET, '20 random bytes are 32 Base32 characters');
      const secret = scanned.secret!;
      // Someone who types the key instead of scanning must end up with the same secret.
      assert.equal(await setupKey(page), secret);

      const enrolledAt = clock.seconds();
      const enrolled = await submitCode(page, rp, codeAt(secret, enrolledAt));
      assert.ok(enrolled.reached, `the code was refused (${enrolled.status}): ${enrolled.message}`);
      assert.deepEqual(rp.received(), [enrolled.url]);
      const tokens = await auth.exchange(enrolled.url);

      const metadata = auth.config.serverMetadata();
      assert.equal(metadata.issuer, auth.issuer);
      const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
      const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: auth.issuer, audience: app.clientId });
      assert.ok(Array.isArray(payload.amr), `amr: ${JSON.stringify(payload.amr)}`);
      for (const method of ['pwd', 'otp', 'mfa']) assert.ok((payload.amr as string[]).includes(method), `amr ${JSON.stringify(payload.amr)} has ${method}`);
      assert.equal(payload.acr, 'urn:gatehouse:acr:mfa');
      const userinfo = await client.fetchUserInfo(auth.config, tokens.access_token, payload.sub!);
      assert.equal(userinfo.email, 'tina@example.com');
      return { secret, enrolledAt };
    });

    // A later sign-in from a fresh browser: password, then a code only.
    const again = await authorizationFor(server, app);
    await inFreshPage(browser, async (page) => {
      await page.goto(again.url.href);
      await passwordStep(page, 'tina', 'tinas long password');
      await page.getByLabel('Verification code').waitFor();
      await codeField(page);
      assert.equal(await page.getByRole('img').count(), 0, 'no QR code once enrolled');
      assert.equal(await page.getByLabel('Setup key').count(), 0, 'the secret is never shown again');

      // The code used to enroll was spent: the same step is refused in the browser too.
      const loginUrl = page.url();
      const replayed = await submitCode(page, rp, codeAt(secret, enrolledAt));
      assert.equal(replayed.reached, false, 'a spent code reached the application');
      assert.equal(replayed.status, 400);
      assert.match(replayed.message, /not correct/);
      assert.equal(replayed.url, loginUrl);
      assert.equal(rp.received().length, 1, 'only the first sign-in came back to the application');

      clock.advance(30);
      const verified = await submitCode(page, rp, codeAt(secret, clock.seconds()));
      assert.ok(verified.reached, `the next step's code was refused (${verified.status}): ${verified.message}`);
      assert.equal(rp.received().at(-1), verified.url);
      const tokens = await again.exchange(verified.url);
      const amr = tokens.claims()!.amr as string[];
      assert.deepEqual([...amr].sort(), ['mfa', 'otp', 'pwd']);
      assert.equal(tokens.claims()!.acr, 'urn:gatehouse:acr:mfa');
    });
  });
});
