// Password sign-in end to end: an application registered through the REST API, a user
// created through SCIM, openid-client (authorization code + PKCE) driving the real login
// page in Chromium.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { launchChromium, openContext } from '../helpers/chromium.js';
import { signInWithPassword } from '../helpers/chromium-signin.js';
import { startCallbackServer, type CallbackServer } from '../helpers/callback-server.js';
import { axeProblems } from '../helpers/console-browser.js';

const LOGIN_PATH = /\/authenticationendpoint\/[^/?#]+$/;


let callbacks: CallbackServer;
const isCallback = (url: URL) => callbacks.isCallback(url);

describe('password sign-in in Chromium', () => {
  let browser: Browser;
  before(async () => { browser = await launchChromium(); callbacks = await startCallbackServer(); });
  after(async () => { await browser?.close(); await callbacks?.close(); });

  for (const dialect of DIALECTS) {
    describe(`on ${dialect}`, () => {
      let server: TestServer;
      before(async () => { server = await startServer({ dialect }); });
      after(() => server?.close());

      it('signs in with code + PKCE through the login page: the ID token verifies against the JWKS, amr has pwd, userinfo gives the email', async () => {
        const app = await registerApp(server, { name: 'Acme Portal', redirectUri: callbacks.redirectUri });
        await createScimUser(server, { userName: 'alice', password: 'correct horse battery', email: 'alice@example.com' });
        const auth = await authorizationFor(server, app);
        const { context, page, callback } = await openContext(browser, callbacks);
        try {
          await page.goto(auth.url.href);
          assert.match(new URL(page.url()).pathname, LOGIN_PATH);
          await signInWithPassword(page, 'alice', 'correct horse battery');
          await page.waitForURL(isCallback);
          const tokens = await auth.exchange(callback()!);

          const metadata = auth.config.serverMetadata();
          assert.equal(metadata.issuer, auth.issuer);
          const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
          const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: auth.issuer, audience: app.clientId });
          assert.ok(Array.isArray(payload.amr) && payload.amr.includes('pwd'), `amr: ${JSON.stringify(payload.amr)}`);
          assert.equal(typeof payload.auth_time, 'number');
          assert.ok(payload.sub);

          const userinfo = await client.fetchUserInfo(auth.config, tokens.access_token, payload.sub!);
          assert.equal(userinfo.email, 'alice@example.com');
        } finally {
          await context.close();
        }
      });
    });
  }

  describe('the login page', () => {
    let server: TestServer;
    let app: RegisteredApp;
    before(async () => {
      server = await startServer({ dialect: 'sqlite' });
      app = await registerApp(server, { name: 'Acme Portal', redirectUri: callbacks.redirectUri });
      await createScimUser(server, { userName: 'bob', password: 'bobs secret pass', email: 'bob@example.com' });
      await createScimUser(server, { userName: 'carol', password: 'carols secret pass', email: 'carol@example.com' });
      await createScimUser(server, { userName: 'dave', password: 'daves secret pass', email: 'dave@example.com' });
      await createScimUser(server, { userName: 'erin', password: 'erins secret pass', email: 'erin@example.com' });
    });
    after(() => server?.close());

    it('shows the same generic alert for a wrong password and an unknown user, stays on the login page and issues no code', async () => {
      const auth = await authorizationFor(server, app);
      const { context, page, callback } = await openContext(browser, callbacks);
      try {
        await page.goto(auth.url.href);
        const loginUrl = page.url();

        await signInWithPassword(page, 'bob', 'not the password');
        const alert = page.getByRole('alert');
        await alert.waitFor();
        const wrongPassword = (await alert.textContent())!.trim();
        assert.match(wrongPassword, /username or password is incorrect/i);
        assert.equal(page.url(), loginUrl);
        assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not echoed back');
        assert.equal(await page.getByLabel('Username').inputValue(), 'bob');

        await signInWithPassword(page, 'nobody-here', 'not the password');
        await alert.waitFor();
        assert.equal((await alert.textContent())!.trim(), wrongPassword, 'an unknown user gets the same message');
        assert.equal(page.url(), loginUrl);
        assert.equal(callback(), undefined, 'no redirect to the application');
      } finally {
        await context.close();
      }
    });

    it('has labelled username and password fields, names the application and is sent with CSP and no-store', async () => {
      const auth = await authorizationFor(server, app);
      const { context, page } = await openContext(browser, callbacks);
      try {
        const response = await page.goto(auth.url.href);
        assert.ok(response);
        assert.equal(response.status(), 200);
        assert.match(new URL(response.url()).pathname, LOGIN_PATH);
        const headers = response.headers();
        assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
        assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
        assert.match(headers['cache-control'] ?? '', /no-store/);

        const username = page.getByLabel('Username');
        const password = page.getByLabel('Password');
        assert.equal(await username.getAttribute('name'), 'username');
        assert.equal(await username.getAttribute('autocomplete'), 'username');
        assert.equal(await password.getAttribute('name'), 'password');
        assert.equal(await password.getAttribute('type'), 'password');
        assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /Acme Portal/);
        assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible());
        assert.deepEqual(await axeProblems(page), [], 'no serious or critical axe-core violations (the footer\'s contrast was 4.39:1)');
      } finally {
        await context.close();
      }
    });

    it('a login finished in another browser yields no code, and the first browser\'s login stays open', async () => {
      const auth = await authorizationFor(server, app);
      const a = await openContext(browser, callbacks);
      const b = await openContext(browser, callbacks);
      try {
        await a.page.goto(auth.url.href);
        const loginUrl = a.page.url();
        assert.match(new URL(loginUrl).pathname, LOGIN_PATH);
        const hidden = {
          csrf: (await a.page.locator('input[name="csrf"]').getAttribute('value'))!,
          step: (await a.page.locator('input[name="step"]').getAttribute('value'))!,
        };

        // Browser B opens A's login page: an error page, no form.
        const opened = await b.page.goto(loginUrl);
        assert.equal(opened?.status(), 400);
        assert.match((await b.page.getByRole('alert').textContent()) ?? '', /expired|another browser/i);
        assert.equal(await b.page.getByLabel('Password').count(), 0);

        // B submits valid credentials (with A's form fields) from its own cookie jar.
        const posted = await b.context.request.post(loginUrl, { form: { ...hidden, username: 'carol', password: 'carols secret pass' }, maxRedirects: 0 });
        assert.equal(posted.status(), 400);
        assert.equal(posted.headers().location, undefined);
        assert.match(await posted.text(), /expired|another browser/i);

        // B with a sign-in of its own in progress still cannot finish A's.
        const ownAuth = await authorizationFor(server, app);
        await b.page.goto(ownAuth.url.href);
        assert.notEqual(b.page.url(), loginUrl);
        const crossed = await b.context.request.post(loginUrl, { form: { ...hidden, username: 'carol', password: 'carols secret pass' }, maxRedirects: 0 });
        assert.equal(crossed.status(), 400);
        assert.equal(crossed.headers().location, undefined);
        assert.equal(b.callback(), undefined, 'B never reached the application');

        // A's login was not completed by B: A still sees its form, and finishing it there works.
        assert.equal(a.callback(), undefined);
        const reloaded = await a.page.reload();
        assert.equal(reloaded?.status(), 200);
        assert.equal(a.page.url(), loginUrl);
        await signInWithPassword(a.page, 'dave', 'daves secret pass');
        await a.page.waitForURL(isCallback);
        const tokens = await auth.exchange(a.callback()!);
        const userinfo = await client.fetchUserInfo(auth.config, tokens.access_token, tokens.claims()!.sub);
        assert.equal(userinfo.email, 'dave@example.com', 'A is signed in as the user A entered, not as B\'s');
      } finally {
        await a.context.close();
        await b.context.close();
      }
    });

    it('works with JavaScript disabled', async () => {
      const auth = await authorizationFor(server, app);
      const { context, page, callback } = await openContext(browser, callbacks, { javaScriptEnabled: false });
      try {
        await page.goto(auth.url.href);
        assert.match(new URL(page.url()).pathname, LOGIN_PATH);
        await signInWithPassword(page, 'erin', 'wrong password here');
        await page.getByRole('alert').waitFor();
        await signInWithPassword(page, 'erin', 'erins secret pass');
        await page.waitForURL(isCallback);
        const tokens = await auth.exchange(callback()!);
        const amr = tokens.claims()!.amr;
        assert.ok(Array.isArray(amr) && amr.includes('pwd'), `amr: ${JSON.stringify(amr)}`);
      } finally {
        await context.close();
      }
    });
  });
});
