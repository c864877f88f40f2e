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
});
