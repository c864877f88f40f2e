// OpenID Connect session behaviour against a real server with openid-client: SSO across
// applications, prompt (none, login, consent), max_age, acr_values, cancelling a login,
// stale interaction URLs and RP-initiated logout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { authorize, exchange, sleep } from '../helpers/oidc-authorize.js';

const USER = { userName: 'session.user', password: 'correct horse battery', email: 'session.user@example.com' };
const ACR_1FA = 'urn:gatehouse:acr:1fa';
const ACR_MFA = 'urn:gatehouse:acr:mfa';

describe('OIDC sessions (sqlite)', () => {
  let server: TestServer;
  let issuer: string;
  let appA: RegisteredApp;
  let appB: RegisteredApp;
  let configA: client.Configuration;
  let configB: client.Configuration;

  before(async () => {
    server = await startServer({ dialect: 'sqlite', overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    issuer = `${server.url}/oauth2/token`;
    await createScimUser(server, USER);
    [appA, appB] = await Promise.all([
      registerApp(server, { name: 'Session App A' }),
      registerApp(server, { name: 'Session App B', redirectUri: 'http://localhost:8790/callback' }),
    ]);
    [configA, configB] = await Promise.all([discover(issuer, appA.clientId, appA.clientSecret), discover(issuer, appB.clientId, appB.clientSecret)]);
  });
  after(() => server.close());

  const login = (target: RegisteredApp, browser?: HttpBrowser, extraParams?: Record<string, string>) =>
    passwordLogin({ issuer, clientId: target.clientId, clientSecret: target.clientSecret, redirectUri: target.redirectUri, username: USER.userName, password: USER.password, browser, extraParams });

  const isLoginPage = (html: string) => /name="password"/.test(html) && /Sign in/.test(html);

  test('after signing in to app A, app B of the same tenant gets a code without the login page', async () => {
    const first = await login(appA);
    assert.ok(isLoginPage(first.page), 'app A showed the login page');
    const second = await login(appB, first.browser);
    assert.equal(second.page, '', 'no login page for app B');
    assert.ok(second.tokens, `app B got tokens (stopped at ${second.url})`);
    const a = first.tokens!.claims()!;
    const b = second.tokens!.claims()!;
    assert.equal(b.sub, a.sub);
    assert.equal(b.aud, appB.clientId);
    assert.equal(b.auth_time, a.auth_time, 'the same authentication');
    assert.deepEqual(b.amr, ['pwd']);
  });

  test('prompt=none without a session redirects to the application with error=login_required', async () => {
    const result = await authorize(configA, new HttpBrowser(), appA.redirectUri, { prompt: 'none' });
    assert.ok(result.callback, `redirected to the application (stopped at ${result.url})`);
    assert.equal(result.callback.searchParams.get('error'), 'login_required');
    assert.equal(result.callback.searchParams.get('state'), result.state);
    assert.equal(result.callback.searchParams.get('code'), null);
  });

  test('RP-initiated logout with id_token_hint returns to the registered callback and ends the session', async () => {
    const { browser, tokens } = await login(appA);
    const silent = await authorize(configA, browser, appA.redirectUri, { prompt: 'none' });
    assert.ok(silent.callback?.searchParams.get('code'), 'prompt=none succeeds while signed in');

    const endSession = client.buildEndSessionUrl(configA, { id_token_hint: tokens!.id_token!, post_logout_redirect_uri: appA.redirectUri, state: 'bye' });
    const confirm = await browser.request(endSession.href);
    assert.equal(confirm.status, 200);
    const form = parseForm(await confirm.text());
    assert.ok(form.fields.xsrf, 'the confirmation page carries an xsrf token');
    const done = await browser.follow(new URL(form.action, endSession).href, { form: { ...form.fields, logout: 'yes' } }, (u) => u.startsWith(appA.redirectUri));
    const back = new URL(done.url);
    assert.equal(`${back.origin}${back.pathname}`, appA.redirectUri);
    assert.equal(back.searchParams.get('state'), 'bye');

    const after = await authorize(configA, browser, appA.redirectUri, { prompt: 'none' });
    assert.equal(after.callback?.searchParams.get('error'), 'login_required', 'the session is gone');
    const otherApp = await authorize(configB, browser, appB.redirectUri, { prompt: 'none' });
    assert.equal(otherApp.callback?.searchParams.get('error'), 'login_required', 'for every application');
  });

  test('prompt=login with a session shows the login page again', async () => {
    const { browser } = await login(appA);
    const again = await login(appA, browser, { prompt: 'login' });
    assert.ok(isLoginPage(again.page), 'the login page was shown');
    assert.ok(again.tokens);
    assert.deepEqual(again.tokens.claims()!.amr, ['pwd']);
  });

  test('max_age=0 forces a new login and the new auth_time is in the ID token', async () => {
    const first = await login(appA);
    const firstAuth = first.tokens!.claims()!.auth_time!;
    const sso = await login(appA, first.browser, { max_age: '3600' });
    assert.equal(sso.page, '', 'a generous max_age reuses the session');
    assert.equal(sso.tokens!.claims()!.auth_time, firstAuth);
    await sleep(1100); // auth_time has one-second resolution
    const again = await login(appA, first.browser, { max_age: '0' });
    assert.ok(isLoginPage(again.page), 'max_age=0 shows the login page');
    assert.ok(again.tokens!.claims()!.auth_time! > firstAuth, 'auth_time moved to the new login');
  });

  test('acr_values=urn:gatehouse:acr:mfa on a password-only application redirects with unmet_authentication_requirements', async () => {
    const fresh = await authorize(configA, new HttpBrowser(), appA.redirectUri, { acr_values: ACR_MFA });
    assert.ok(fresh.callback, `redirected to the application (stopped at ${fresh.url})`);
    assert.equal(fresh.callback.searchParams.get('error'), 'unmet_authentication_requirements');
    assert.equal(fresh.callback.searchParams.get('state'), fresh.state);

    const { browser } = await login(appA);
    const signedIn = await authorize(configA, browser, appA.redirectUri, { acr_values: ACR_MFA });
    assert.equal(signedIn.callback?.searchParams.get('error'), 'unmet_authentication_requirements', 'a password session cannot meet mfa either');
  });

  test('acr_values=urn:gatehouse:acr:1fa signs in and the ID token says acr 1fa', async () => {
    const { tokens } = await login(appA, undefined, { acr_values: ACR_1FA });
    assert.ok(tokens);
    assert.equal(tokens.claims()!.acr, ACR_1FA);
  });

  test('prompt=consent on a first-party application completes without a consent page', async () => {
    const fresh = await login(appA, undefined, { prompt: 'consent' });
    assert.ok(fresh.tokens, `sign-in completed (stopped at ${fresh.url}, ${fresh.status})`);
    assert.equal(fresh.tokens.claims()!.email, USER.email, 'the requested scopes are granted');

    const withSession = await authorize(configB, fresh.browser, appB.redirectUri, { prompt: 'consent' });
    assert.ok(withSession.callback?.searchParams.get('code'), `no page at all with a session (stopped at ${withSession.url})`);
    const tokens = await exchange(configB, withSession);
    assert.equal(tokens.claims()!.sub, fresh.tokens.claims()!.sub);
  });

  test('cancelling the login with the page\'s Cancel link returns error=access_denied to the application', async () => {
    const browser = new HttpBrowser();
    const start = await authorize(configA, browser, appA.redirectUri);
    const html = await start.res.text();
    assert.ok(isLoginPage(html));
    assert.match(html, /Cancel and return to Session App A/);
    const href = /<a href="([^"]+\/abort)"/.exec(html)?.[1];
    assert.ok(href, 'the page links to …/abort');
    const { url } = await browser.follow(new URL(href.replace(/&amp;/g, '&'), start.url).href, {}, (u) => u.startsWith(appA.redirectUri));
    const back = new URL(url);
    assert.equal(`${back.origin}${back.pathname}`, appA.redirectUri);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), start.state);
    assert.equal(back.searchParams.get('code'), null);
  });

  test('an unknown or finished interaction URL shows a human error page with 400, not a 500', async () => {
    const unknown = await new HttpBrowser().request(`${server.url}/authenticationendpoint/no-such-interaction`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await unknown.text(), /expired/i);

    const post = await new HttpBrowser().request(`${server.url}/authenticationendpoint/no-such-interaction`, { form: { username: USER.userName, password: USER.password, csrf: 'x', step: '1' } });
    assert.equal(post.status, 400);

    // A login page whose sign-in has finished no longer works, even in the same browser.
    const browser = new HttpBrowser();
    const start = await authorize(configA, browser, appA.redirectUri);
    const loginUrl = start.url;
    const form = parseForm(await start.res.text());
    const done = await browser.follow(new URL(form.action, loginUrl).href, { form: { ...form.fields, username: USER.userName, password: USER.password } }, (u) => u.startsWith(appA.redirectUri));
    await exchange(configA, { ...start, callback: new URL(done.url) });
    const stale = await browser.request(loginUrl);
    assert.equal(stale.status, 400);
    assert.match(await stale.text(), /sign in again/i);
    const staleAbort = await browser.request(`${loginUrl}/abort`);
    assert.equal(staleAbort.status, 400);

    // The provider's resume URL without its cookie: oidc-provider 9.13's error handler
    // failed on it (a plain-text 500) when redirect_uri could be left out.
    const resume = await new HttpBrowser().request(`${server.url}/oauth2/authorize/no-such-interaction?client_id=${appA.clientId}`);
    assert.equal(resume.status, 400);
    assert.match(resume.headers.get('content-type') ?? '', /text\/html/);
  });

  test('an authorization request without redirect_uri is refused with a page, even for an application with one callback (OpenID Connect Core 3.1.2.1)', async () => {
    const url = new URL(configA.serverMetadata().authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: appA.clientId, response_type: 'code', scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const res = await new HttpBrowser().request(url.href);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null, 'no redirect to the registered callback');
    assert.match(await res.text(), /redirect_uri/);
  });

  test('pages the provider writes carry a CSP; the form_post page\'s one inline script is allowed by its hash and nothing else', async () => {
    await createScimUser(server, { userName: 'formpost.user', password: 'formpost-Passw0rd-1' });
    const browser = new HttpBrowser();
    const started = await authorize(configA, browser, appA.redirectUri, { response_mode: 'form_post' });
    const form = parseForm(await started.res.text());
    const done = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, username: 'formpost.user', password: 'formpost-Passw0rd-1' } }, (u) => u.startsWith(appA.redirectUri));
    assert.equal(done.res.status, 200);
    const page = await done.res.text();
    assert.match(page, new RegExp(`<form method="post" action="${appA.redirectUri}">`));
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const csp = done.res.headers.get('content-security-policy') ?? '';
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'))!;
    assert.deepEqual(scriptSrc.split(/\s+/).slice(1), ["'self'", `'sha256-${createHash('sha256').update(script).digest('base64')}'`]);
    assert.match(csp, /frame-ancestors 'none'/);
    const error = await fetch(`${issuer.replace('/oauth2/token', '')}/oauth2/authorize?client_id=no-such-client`);
    assert.equal(error.status, 400);
    assert.match(error.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  test('id_token_hint names one user and another signs in: the application gets login_required, not a code for the other user', async () => {
    await createScimUser(server, { userName: 'hinted.user', password: 'hinted-Passw0rd-1' });
    const hinted = await passwordLogin({ issuer, clientId: appA.clientId, clientSecret: appA.clientSecret, redirectUri: appA.redirectUri, username: 'hinted.user', password: 'hinted-Passw0rd-1' });
    const idToken = hinted.tokens!.id_token!;

    const browser = new HttpBrowser();
    const other = await login(appA, browser);
    assert.ok(other.tokens, 'session.user has a session in this browser');
    const started = await authorize(configA, browser, appA.redirectUri, { id_token_hint: idToken });
    assert.equal(started.callback, undefined, 'the session of another user does not answer for the hinted one');
    const form = parseForm(await started.res.text());
    const done = await browser.follow(new URL(form.action, started.url).href, { form: { ...form.fields, username: USER.userName, password: USER.password } }, (u) => u.startsWith(appA.redirectUri));
    const callback = new URL(done.url);
    assert.equal(callback.searchParams.get('error'), 'login_required');
    assert.equal(callback.searchParams.get('code'), null);

    // The hinted user signing in gets the code (in a browser of their own: in this one,
    // switching accounts first ends session.user's session through a page that needs script).
    const own = new HttpBrowser();
    const right = await authorize(configA, own, appA.redirectUri, { id_token_hint: idToken });
    const rightForm = parseForm(await right.res.text());
    const ok = await own.follow(new URL(rightForm.action, right.url).href, { form: { ...rightForm.fields, username: 'hinted.user', password: 'hinted-Passw0rd-1' } }, (u) => u.startsWith(appA.redirectUri));
    assert.ok(ok.url.startsWith(appA.redirectUri), `stopped at ${ok.url}: ${(await ok.res.text()).slice(0, 400)}`);
    const tokens = await exchange(configA, { ...right, callback: new URL(ok.url) });
    assert.equal(tokens.claims()!.sub, hinted.tokens!.claims()!.sub);
  });
});
