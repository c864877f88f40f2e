// A session runs only the steps another application's sequence still needs, and never
// lends its steps to an application that needs more. A test-only second factor stands in
// for TOTP (the TOTP issue replaces it with the real one).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { authorize, exchange } from '../helpers/oidc-authorize.js';
import { registerTestPin } from '../helpers/test-pin.js';
import { manualClock } from '../helpers/totp.js';

registerTestPin({ amr: ['otp'] });

describe('step-up across applications', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    await createScimUser(server, { userName: 'carol', password: 'carol-password-1', email: 'carol@example.com' });
  });
  after(() => server.close());

  const twoStep = { type: 'USER_DEFINED', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }, { id: 2, options: [{ idp: 'LOCAL', authenticator: 'test-pin' }] }], subjectStepId: 1, attributeStepId: 1 };

  test('after a password-only sign-in, a two-step application asks only for the missing step', async () => {
    const simple = await registerApp(server, { name: 'simple' });
    const strict = await registerApp(server, { name: 'strict', sequence: twoStep });
    const browser = new HttpBrowser();
    const first = await passwordLogin({ issuer: server.tenant.issuer, clientId: simple.clientId, clientSecret: simple.clientSecret, redirectUri: simple.redirectUri, username: 'carol', password: 'carol-password-1', browser });
    assert.deepEqual(first.tokens?.claims()?.amr, ['pwd']);

    const config = await discover(server.tenant.issuer, strict.clientId, strict.clientSecret);
    const none = await authorize(config, browser, strict.redirectUri, { prompt: 'none' });
    assert.equal(none.callback?.searchParams.get('error'), 'login_required', 'the password session does not satisfy the two-step app');

    const started = await authorize(config, browser, strict.redirectUri);
    assert.equal(started.callback, undefined, 'the two-step app does not get a code from the password session');
    const page = await started.res.text();
    assert.match(page, /Enter your PIN/);
    assert.doesNotMatch(page, /name="password"/, 'the password step is not asked again');
    const form = parseForm(page);
    const wrong = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, pin: '0000' } }, (u) => u.startsWith(strict.redirectUri));
    assert.equal(wrong.res.status, 400);
    assert.match(await wrong.res.text(), /Wrong PIN/);
    const done = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, pin: '4242' } }, (u) => u.startsWith(strict.redirectUri));
    assert.ok(done.url.startsWith(strict.redirectUri), `reached the callback, stopped at ${done.url}`);
    const tokens = await exchange(config, { ...started, callback: new URL(done.url) });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, first.tokens!.claims()!.sub);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(claims.acr, 'urn:gatehouse:acr:mfa');

    // Now the session holds both steps: both applications sign in without a page.
    const again = await authorize(config, browser, strict.redirectUri, { prompt: 'none' });
    assert.ok(again.callback?.searchParams.get('code'), 'the two-step app now signs in silently');
    const simpleConfig = await discover(server.tenant.issuer, simple.clientId, simple.clientSecret);
    const back = await authorize(simpleConfig, browser, simple.redirectUri, { prompt: 'none' });
    assert.ok(back.callback?.searchParams.get('code'));
  });

  test('prompt=login on the two-step application runs every step again', async () => {
    const strict = await registerApp(server, { name: 'strict-fresh', sequence: twoStep });
    const browser = new HttpBrowser();
    const config = await discover(server.tenant.issuer, strict.clientId, strict.clientSecret);
    const signIn = async (params: Record<string, string> = {}) => {
      const started = await authorize(config, browser, strict.redirectUri, params);
      let page = await started.res.text();
      assert.match(page, /name="password"/, 'starts with the password step');
      let form = parseForm(page);
      const afterPassword = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, username: 'carol', password: 'carol-password-1' } }, (u) => u.startsWith(strict.redirectUri));
      page = await afterPassword.res.text();
      assert.match(page, /Enter your PIN/);
      form = parseForm(page);
      const done = await browser.follow(new URL(form.action, afterPassword.url).href, { form: { ...form.fields, pin: '4242' } }, (u) => u.startsWith(strict.redirectUri));
      assert.ok(done.url.startsWith(strict.redirectUri));
    };
    await signIn();
    await signIn({ prompt: 'login' });
  });

  test('a fresh password-only sign-in at another application ends the earlier second step: the two-step application asks for it again', async () => {
    const simple = await registerApp(server, { name: 'simple-fresh' });
    const strict = await registerApp(server, { name: 'strict-after-fresh', sequence: twoStep });
    const browser = new HttpBrowser();
    const config = await discover(server.tenant.issuer, strict.clientId, strict.clientSecret);
    const both = await passwordThenPin(browser, config, strict.redirectUri);
    assert.deepEqual([...(both.claims()!.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

    // prompt=login at the password-only application: a new sign-in that proves the password alone.
    const fresh = await passwordLogin({ issuer: server.tenant.issuer, clientId: simple.clientId, clientSecret: simple.clientSecret, redirectUri: simple.redirectUri, username: 'carol', password: 'carol-password-1', browser, extraParams: { prompt: 'login' } });
    assert.deepEqual(fresh.tokens?.claims()?.amr, ['pwd']);

    const silent = await authorize(config, browser, strict.redirectUri, { prompt: 'none' });
    assert.equal(silent.callback?.searchParams.get('error'), 'login_required', 'the PIN proven before the fresh sign-in no longer counts');
    const mfa = await authorize(config, browser, strict.redirectUri, { prompt: 'none', acr_values: 'urn:gatehouse:acr:mfa' });
    assert.equal(mfa.callback?.searchParams.get('code'), null, 'no code that says 1fa for a request of mfa');
    const started = await authorize(config, browser, strict.redirectUri);
    const page = await started.res.text();
    assert.match(page, /Enter your PIN/, 'the missing step is asked');
    assert.doesNotMatch(page, /name="password"/, 'the fresh password stands');
  });

  /** Password then PIN at the two-step application, from its first page; the tokens. */
  async function passwordThenPin(browser: HttpBrowser, config: Awaited<ReturnType<typeof discover>>, redirectUri: string) {
    const started = await authorize(config, browser, redirectUri);
    let form = parseForm(await started.res.text());
    const afterPassword = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, username: 'carol', password: 'carol-password-1' } }, (u) => u.startsWith(redirectUri));
    const page = await afterPassword.res.text();
    assert.match(page, /Enter your PIN/);
    form = parseForm(page);
    const done = await browser.follow(new URL(form.action, afterPassword.url).href, { form: { ...form.fields, pin: '4242' } }, (u) => u.startsWith(redirectUri));
    assert.ok(done.url.startsWith(redirectUri), `reached the callback, stopped at ${done.url}`);
    return exchange(config, { ...started, callback: new URL(done.url) });
  }
});

describe('each step of a session lasts absolute_timeout from when it was proven', () => {
  let server: TestServer;
  const clock = manualClock();
  before(async () => {
    server = await startServer({ clock, overrides: { session: { idle_timeout: 900, absolute_timeout: 300 }, identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    await createScimUser(server, { userName: 'carol', password: 'carol-password-1', email: 'carol@example.com' });
  });
  after(() => server.close());

  test('a step-up does not lengthen the password proven before it', async () => {
    const twoStep = { type: 'USER_DEFINED', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }, { id: 2, options: [{ idp: 'LOCAL', authenticator: 'test-pin' }] }], subjectStepId: 1, attributeStepId: 1 };
    const simple = await registerApp(server, { name: 'simple' });
    const strict = await registerApp(server, { name: 'strict', sequence: twoStep });
    const browser = new HttpBrowser();
    await passwordLogin({ issuer: server.tenant.issuer, clientId: simple.clientId, clientSecret: simple.clientSecret, redirectUri: simple.redirectUri, username: 'carol', password: 'carol-password-1', browser });

    clock.advance(200);
    const config = await discover(server.tenant.issuer, strict.clientId, strict.clientSecret);
    const stepUp = await authorize(config, browser, strict.redirectUri);
    const form = parseForm(await stepUp.res.text());
    const done = await browser.follow(new URL(form.action, stepUp.url).href, { form: { ...form.fields, pin: '4242' } }, (u) => u.startsWith(strict.redirectUri));
    assert.ok(done.url.startsWith(strict.redirectUri), 'the step-up asked the PIN only');
    assert.ok((await authorize(config, browser, strict.redirectUri, { prompt: 'none' })).callback?.searchParams.get('code'), 'both steps stand right after');

    // 350 s after the password, 150 s after the PIN: the password is past absolute_timeout.
    clock.advance(150);
    const silent = await authorize(config, browser, strict.redirectUri, { prompt: 'none' });
    assert.equal(silent.callback?.searchParams.get('error'), 'login_required');
    const again = await authorize(config, browser, strict.redirectUri);
    const page = await again.res.text();
    assert.match(page, /name="password"/, 'the password is asked again');
    const password = parseForm(page);
    const back = await browser.follow(new URL(password.action, again.url).href, { form: { ...password.fields, username: 'carol', password: 'carol-password-1' } }, (u) => u.startsWith(strict.redirectUri));
    assert.ok(back.url.startsWith(strict.redirectUri), 'the PIN, 150 s old, still stands');
  });
});
