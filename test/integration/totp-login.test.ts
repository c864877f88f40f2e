// The seed scenario over HTTP: basic then totp; a new user enrolls in the login, later
// sign-ins ask for a code only. (The browser test drives the same through Chromium.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser } from '../helpers/api.js';
import { exchange } from '../helpers/oidc-authorize.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep, submitCode } from '../helpers/totp.js';

for (const dialect of DIALECTS) {
  describe(`TOTP sign-in (${dialect})`, () => {
    let server: TestServer;
    const clock = manualClock();
    before(async () => {
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
      await createScimUser(server, { userName: 'tina', password: 'tina-password-1', email: 'tina@example.com' });
    });
    after(() => server.close());

    test('a new user enrolls with the QR page, reaches the app with otp in amr, and later only enters a code', async () => {
      const app = await registerApp(server, { name: `two-step-${dialect}`, sequence: TWO_STEP });
      const login = { issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'tina', password: 'tina-password-1' };
      const first = await startTwoStep(login);
      assert.equal(first.status, 200);
      assert.match(first.page, /<img src="data:image\/png;base64,[^"]+" alt="QR code/);
      assert.match(first.page, /Google Authenticator/);
      assert.match(first.page, /<label for="token">Verification code<\/label>/);
      const secret = secretFromPage(first.page);
      assert.equal(secret.length, 32, '20 random bytes are 32 Base32 characters');

      const wrong = await submitCode(first.browser, first.url, first.page, codeAt(secret, clock.seconds() + 90), app.redirectUri);
      assert.equal(wrong.status, 400);
      assert.match(wrong.page, /not correct/);
      assert.equal(secretFromPage(wrong.page), secret, 'the same pending secret is shown again');

      const done = await submitCode(first.browser, first.url, wrong.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), `reached the app, stopped at ${done.url}: ${done.page.slice(0, 300)}`);
      const claims = (await exchange(first.config, { ...first.started, callback: new URL(done.url) })).claims()!;
      assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
      assert.equal(claims.acr, 'urn:gatehouse:acr:mfa');

      clock.advance(30);
      const second = await startTwoStep({ ...login, params: { acr_values: 'urn:gatehouse:acr:mfa' } });
      assert.doesNotMatch(second.page, /QR code/);
      assert.match(second.page, /autocomplete="one-time-code"/);
      const replay = await submitCode(second.browser, second.url, second.page, codeAt(secret, clock.seconds() - 30), app.redirectUri);
      assert.equal(replay.status, 400, 'the code accepted at enrollment is not accepted again');
      const ok = await submitCode(second.browser, second.url, replay.page, codeAt(secret, clock.seconds()), app.redirectUri);
      assert.ok(ok.url.startsWith(app.redirectUri), `reached the app, stopped at ${ok.url}: ${ok.page.slice(0, 300)}`);
      const again = (await exchange(second.config, { ...second.started, callback: new URL(ok.url) })).claims()!;
      assert.equal(again.acr, 'urn:gatehouse:acr:mfa', 'acr_values=mfa is met by password + TOTP');
      assert.deepEqual([...(again.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    });
  });
}
