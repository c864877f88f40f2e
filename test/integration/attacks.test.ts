// Negative and attack tests (acceptance 4): every one answers with a clear refusal, never
// a 500. Login, redirect_uri, code reuse, PKCE, malformed API bodies, CSRF, step order,
// lockout, rate limit and the Host header on SQLite; concurrent lockout on PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, pageError, parseForm } from '../helpers/http-browser.js';
import { createLogger } from '../../src/logger.js';
import type { Clock } from '../../src/clock.js';

const GENERIC_FAILURE = 'The username or password is incorrect. After several failed attempts the account is locked for a while.';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

// ---------------------------------------------------------------------------------------
// Helpers: authorization requests built by hand, so tests can leave parts out.

const b64url = (buf: Buffer) => buf.toString('base64url');

interface Pkce { verifier: string; challenge: string }
const newPkce = (): Pkce => {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
};

function authorizeUrl(server: TestServer, app: RegisteredApp, options: { pkce?: Pkce | null; params?: Record<string, string> } = {}): string {
  const url = new URL(`${server.url}/oauth2/authorize`);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('redirect_uri', app.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid profile email');
  url.searchParams.set('state', b64url(randomBytes(12)));
  url.searchParams.set('nonce', b64url(randomBytes(12)));
  if (options.pkce) {
    url.searchParams.set('code_challenge', options.pkce.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(options.params ?? {})) url.searchParams.set(k, v);
  return url.href;
}

interface LoginPage { browser: HttpBrowser; url: string; action: string; fields: Record<string, string>; pkce: Pkce }

/** Starts an authorization in a fresh browser and stops on the login page. */
async function openLogin(server: TestServer, app: RegisteredApp, pkce: Pkce = newPkce()): Promise<LoginPage> {
  const browser = new HttpBrowser();
  const { url, res } = await browser.follow(authorizeUrl(server, app, { pkce }), {}, (u) => u.startsWith(app.redirectUri));
  assert.equal(res.status, 200, `expected the login page at ${url}`);
  assert.match(url, /\/authenticationendpoint\/[^/]+$/);
  const form = parseForm(await res.text());
  return { browser, url, action: new URL(form.action, url).href, fields: form.fields, pkce };
}

interface Answer { status: number; location: string | null; html: string; error?: string }

/** Posts the login form once (no redirects followed). */
async function post(page: LoginPage, fields: Record<string, string | undefined>): Promise<Answer> {
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...page.fields, ...fields })) if (v !== undefined) form[k] = v;
  const res = await page.browser.request(page.action, { form });
  const html = await res.text();
  assert.ok(res.status < 500, `no 500: got ${res.status}`);
  return { status: res.status, location: res.headers.get('location'), html, error: pageError(html) };
}

/** Follows a successful login's redirect to the application; returns the code. */
async function codeFrom(page: LoginPage, answer: Answer, app: RegisteredApp): Promise<string> {
  assert.equal(answer.status, 303, `login should redirect, got ${answer.status}: ${answer.error ?? ''}`);
  const { url } = await page.browser.follow(new URL(answer.location!, page.action).href, {}, (u) => u.startsWith(app.redirectUri));
  assert.ok(url.startsWith(app.redirectUri), `reached the callback, not ${url}`);
  const code = new URL(url).searchParams.get('code');
  assert.ok(code, `a code in ${url}`);
  return code;
}

async function exchangeCode(server: TestServer, app: RegisteredApp, code: string, verifier?: string) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: app.redirectUri });
  if (verifier) body.set('code_verifier', verifier);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (app.clientSecret) headers.authorization = basicAuth(app.clientId, app.clientSecret);
  else body.set('client_id', app.clientId);
  const res = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers, body });
  assert.ok(res.status < 500, `no 500 from the token endpoint: got ${res.status}`);
  return { status: res.status, body: await res.json() as Record<string, string> };
}

const userinfo = (server: TestServer, accessToken: string) =>
  fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

/** A raw HTTP request (fetch cannot set Host). */
function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function loginFailureRow(server: TestServer, userId: string) {
  return server.deps.store.db.selectFrom('login_failure').selectAll()
    .where('tenant_id', '=', server.tenant.id).where('user_id', '=', userId).where('factor', '=', 'BasicAuthenticator')
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------

describe('attacks on the login, protocol and APIs (sqlite)', () => {
  let server: TestServer;
  let app: RegisteredApp;

  before(async () => {
    server = await startServer({ dialect: 'sqlite', overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    app = await registerApp(server, { name: 'attacked-app' });
    await createScimUser(server, { userName: 'alice', password: 'alice-password-1', email: 'alice@example.com' });
  });
  after(() => server.close());

  describe('passwords', () => {
    test('an unknown username and a wrong password for a known one get the same status and the same generic message', async () => {
      const unknown = await post(await openLogin(server, app), { username: 'nobody-here', password: 'whatever-password' });
      const wrong = await post(await openLogin(server, app), { username: 'alice', password: 'not-alices-password' });
      assert.equal(unknown.status, 400);
      assert.equal(wrong.status, unknown.status);
      assert.equal(unknown.location, null);
      assert.equal(wrong.location, null);
      assert.equal(unknown.error, GENERIC_FAILURE);
      assert.equal(wrong.error, unknown.error);
      // The page is the login form again, with the username kept and no password echoed.
      assert.match(wrong.html, /<label for="password">Password<\/label>/);
      assert.match(wrong.html, /value="alice"/);
      assert.ok(!wrong.html.includes('not-alices-password'));
      // A success clears alice's failures so the later lockout tests start from zero.
      const page = await openLogin(server, app);
      await codeFrom(page, await post(page, { username: 'alice', password: 'alice-password-1' }), app);
    });

    test('lockout does not reveal whether the user exists: 10 attempts each for a known and an unknown user answer alike', async () => {
      const victim = await createScimUser(server, { userName: 'lock.victim', password: 'victim-password-1' });
      const known = await openLogin(server, app);
      const unknown = await openLogin(server, app);
      const knownAnswers: Array<[number, string | undefined]> = [];
      const unknownAnswers: Array<[number, string | undefined]> = [];
      for (let i = 0; i < 10; i++) {
        const a = await post(known, { username: 'lock.victim', password: `wrong-${i}-password` });
        const b = await post(unknown, { username: 'lock.ghost', password: `wrong-${i}-password` });
        assert.equal(a.location, null);
        assert.equal(b.location, null);
        knownAnswers.push([a.status, a.error]);
        unknownAnswers.push([b.status, b.error]);
      }
      assert.deepEqual(knownAnswers, Array(10).fill([400, GENERIC_FAILURE]));
      assert.deepEqual(unknownAnswers, knownAnswers);
      // The known account really is locked now (so the comparison covered locked answers).
      const row = await loginFailureRow(server, victim.id);
      assert.ok(row && row.locked_until !== null && Number(row.locked_until) > Date.now() / 1000, 'the known user is locked');
      const right = await post(known, { username: 'lock.victim', password: 'victim-password-1' });
      assert.deepEqual([right.status, right.error, right.location], [400, GENERIC_FAILURE, null], 'the right password is refused while locked');
    });
  });

  describe('CSRF and step order', () => {
    test('a login POST without the csrf field or with a wrong one does not sign in', async () => {
      const page = await openLogin(server, app);
      const missing = await post(page, { csrf: undefined, username: 'alice', password: 'alice-password-1' });
      assert.equal(missing.status, 400);
      assert.equal(missing.location, null);
      assert.match(missing.error ?? '', /form expired/);
      const wrong = await post(page, { csrf: b64url(randomBytes(24)), username: 'alice', password: 'alice-password-1' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.location, null);
      const truncated = await post(page, { csrf: page.fields.csrf!.slice(0, -1), username: 'alice', password: 'alice-password-1' });
      assert.equal(truncated.location, null);
      // The same page with its csrf still signs in.
      await codeFrom(page, await post(page, { username: 'alice', password: 'alice-password-1' }), app);
    });

    test('the csrf token of one sign-in (the attacker\'s own) does not work for another', async () => {
      const attacker = await openLogin(server, app);
      const victim = await openLogin(server, app);
      assert.notEqual(attacker.fields.csrf, victim.fields.csrf, 'each sign-in has its own token');
      const forged = await post(victim, { csrf: attacker.fields.csrf, username: 'alice', password: 'alice-password-1' });
      assert.equal(forged.status, 400);
      assert.equal(forged.location, null);
      assert.match(forged.error ?? '', /form expired/);
      // A sign-in with its own token still works.
      const again = await openLogin(server, app);
      await codeFrom(again, await post(again, { username: 'alice', password: 'alice-password-1' }), app);
    });

    test('a POST for a step other than the current one is refused', async () => {
      const page = await openLogin(server, app);
      for (const step of ['2', '0', 'x', '']) {
        const answer = await post(page, { step, username: 'alice', password: 'alice-password-1' });
        assert.equal(answer.location, null, `step=${step} must not sign in`);
        assert.match(answer.error ?? '', /out of date/, `step=${step}`);
      }
      await codeFrom(page, await post(page, { step: '1', username: 'alice', password: 'alice-password-1' }), app);
    });

    test('a login POST to an interaction the browser does not hold is refused with a page', async () => {
      const page = await openLogin(server, app);
      const stranger = new HttpBrowser();
      const res = await stranger.request(page.action, { form: { ...page.fields, username: 'alice', password: 'alice-password-1' } });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    });
  });

  describe('redirect_uri, codes and PKCE', () => {
    test('an unregistered redirect_uri gets an HTML error page (400) and no redirect to it', async () => {
      for (const bad of ['https://evil.example/callback', 'http://localhost:8787/callback/extra', 'http://localhost:8787/callback?next=https://evil.example', 'http://localhost:8788/callback']) {
        const url = authorizeUrl(server, { ...app, redirectUri: bad }, { pkce: newPkce() });
        const res = await fetch(url, { redirect: 'manual' });
        assert.equal(res.status, 400, bad);
        assert.equal(res.headers.get('location'), null, bad);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        const html = await res.text();
        assert.match(html, /return address it has not registered/);
        assert.ok(!html.includes('evil.example'), 'the page does not link to the bad URI');
      }
    });

    test('an unknown client_id gets an HTML error page and no redirect', async () => {
      const res = await fetch(authorizeUrl(server, { ...app, clientId: 'no-such-client' }, { pkce: newPkce() }), { redirect: 'manual' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    });

    test('a reused authorization code is invalid_grant and revokes the tokens of the first exchange', async () => {
      const page = await openLogin(server, app);
      const code = await codeFrom(page, await post(page, { username: 'alice', password: 'alice-password-1' }), app);
      const first = await exchangeCode(server, app, code, page.pkce.verifier);
      assert.equal(first.status, 200);
      assert.ok(first.body.access_token && first.body.refresh_token);
      assert.equal((await userinfo(server, first.body.access_token!)).status, 200);

      const second = await exchangeCode(server, app, code, page.pkce.verifier);
      assert.equal(second.status, 400);
      assert.equal(second.body.error, 'invalid_grant');
      assert.equal(second.body.access_token, undefined);

      const after = await userinfo(server, first.body.access_token!);
      assert.equal(after.status, 401, 'the first access token is revoked');
      const refresh = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(app.clientId, app.clientSecret!) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! }),
      });
      assert.equal(refresh.status, 400);
      assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant', 'the first refresh token is revoked');
    });

    test('a code exchanged with a wrong or missing code_verifier is invalid_grant', async () => {
      const page = await openLogin(server, app);
      const code = await codeFrom(page, await post(page, { username: 'alice', password: 'alice-password-1' }), app);
      const wrong = await exchangeCode(server, app, code, newPkce().verifier);
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error, 'invalid_grant');
    });

    test('a public client without PKCE is refused with invalid_request; with PKCE it signs in', async () => {
      const spa = await registerApp(server, { name: 'public-spa', publicClient: true, grantTypes: ['authorization_code'], redirectUri: 'http://localhost:8790/callback' });
      assert.equal(spa.clientSecret, undefined);

      const browser = new HttpBrowser();
      const res = await browser.request(authorizeUrl(server, spa, { pkce: null }));
      assert.ok(res.status < 500);
      assert.ok([302, 303].includes(res.status), `redirects back with an error, got ${res.status}`);
      const back = new URL(res.headers.get('location')!);
      assert.equal(`${back.origin}${back.pathname}`, spa.redirectUri);
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.match(back.searchParams.get('error_description') ?? '', /PKCE/);
      assert.equal(back.searchParams.get('code'), null);

      const plain = await browser.request(authorizeUrl(server, spa, { params: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' } }));
      assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request', 'the plain method is refused');

      const page = await openLogin(server, spa);
      const code = await codeFrom(page, await post(page, { username: 'alice', password: 'alice-password-1' }), spa);
      const missingVerifier = await exchangeCode(server, spa, code);
      assert.equal(missingVerifier.body.error, 'invalid_grant', 'the exchange needs the verifier');

      const page2 = await openLogin(server, spa);
      const code2 = await codeFrom(page2, await post(page2, { username: 'alice', password: 'alice-password-1' }), spa);
      const tokens = await exchangeCode(server, spa, code2, page2.pkce.verifier);
      assert.equal(tokens.status, 200);
      assert.ok(tokens.body.id_token && tokens.body.access_token);
    });
  });

  describe('the Host header', () => {
    test('a Host header pointing elsewhere changes no URL in discovery or in the authorize redirects', async () => {
      const evil = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
      for (const path of ['/.well-known/openid-configuration', '/oauth2/token/.well-known/openid-configuration']) {
        const res = await rawRequest(`${server.url}${path}`, evil);
        assert.equal(res.status, 200, path);
        assert.ok(!res.body.includes('evil.example'), `${path} mentions no other host`);
        const meta = JSON.parse(res.body) as Record<string, unknown>;
        assert.equal(meta.issuer, `${server.url}/oauth2/token`);
        for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
          assert.ok(String(meta[key]).startsWith(`${server.url}/`), `${key} = ${String(meta[key])}`);
        }
      }

      // A whole sign-in with the forged Host on every provider request.
      const browser = new HttpBrowser();
      const pkce = newPkce();
      const start = await rawRequest(authorizeUrl(server, app, { pkce }), evil);
      assert.equal(start.status, 303);
      const toLogin = String(start.headers.location);
      assert.ok(!toLogin.includes('evil.example'));
      assert.ok(toLogin.startsWith('/authenticationendpoint/') || toLogin.startsWith(`${server.url}/`), toLogin);
      for (const line of (start.headers['set-cookie'] ?? []) as string[]) {
        const [pair, ...attrs] = line.split(';');
        const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
        browser.cookies.push({ name: pair!.slice(0, pair!.indexOf('=')), value: pair!.slice(pair!.indexOf('=') + 1), path });
      }
      const loginUrl = new URL(toLogin, server.url).href;
      const form = parseForm(await (await browser.request(loginUrl)).text());
      const done = await browser.request(new URL(form.action, loginUrl).href, { form: { ...form.fields, username: 'alice', password: 'alice-password-1' } });
      assert.equal(done.status, 303);
      const resume = done.headers.get('location')!;
      assert.ok(resume.startsWith(`${server.url}/`), `resume URL from base_url: ${resume}`);
      const cookie = browser.cookies.filter((c) => new URL(resume).pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
      const back = await rawRequest(resume, { ...evil, cookie });
      assert.equal(back.status, 303);
      assert.ok(String(back.headers.location).startsWith(`${app.redirectUri}?`), `back to the application: ${String(back.headers.location)}`);
      assert.match(String(back.headers.location), /[?&]iss=http%3A%2F%2F127\.0\.0\.1/, 'the iss parameter names base_url');
    });
  });

  describe('malformed SCIM bodies', () => {
    const scimPost = (body: unknown, type = 'application/scim+json') => api(server, 'POST', '/scim2/Users', { auth: server.adminAuth, type, body });
    const valid = { schemas: [USER_SCHEMA], userName: 'valid.name', password: 'valid-password-1' };
    const cases: Array<[string, unknown, RegExp, string?]> = [
      ['not JSON (scim+json)', '{"userName": "x", ', /JSON/],
      ['not JSON (application/json)', 'userName=x', /JSON/, 'application/json'],
      ['a JSON array', [valid], /JSON object/],
      ['a JSON string', '"just a string"', /JSON object/],
      ['missing userName', { schemas: [USER_SCHEMA], password: 'valid-password-1' }, /userName is required/],
      ['userName with a space', { ...valid, userName: 'two words' }, /userName/],
      ['password too short', { ...valid, password: 'short' }, /at least 8 characters/],
      ['password too long', { ...valid, password: 'x'.repeat(257) }, /at most 256 characters/],
      ['password equal to the username', { ...valid, userName: 'same.as.password', password: 'same.as.password' }, /same as the username/],
      ['userName a number', { ...valid, userName: 12345678 }, /userName/],
      ['password a number', { ...valid, password: 12345678 }, /password must be a string/],
      ['emails not a list', { ...valid, emails: 'a@example.com' }, /emails must be a list/],
      ['email not an address', { ...valid, emails: [{ value: 'not-an-email' }] }, /not an email address/],
      ['name not an object', { ...valid, name: 'Alice' }, /name must be an object/],
      ['roles not a list', { ...valid, roles: 'admin' }, /roles must be a list/],
      ['wrong schema', { ...valid, schemas: ['urn:example:other'] }, /schemas must include/],
    ];
    for (const [name, body, detail, type] of cases) {
      test(`${name} is 400 in the SCIM error shape with a message`, async () => {
        const res = await scimPost(body, type);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.deepEqual(res.body.schemas, [SCIM_ERROR]);
        assert.equal(res.body.status, '400');
        assert.match(res.body.detail, detail);
      });
    }

    test('a duplicate userName is 409 with scimType uniqueness', async () => {
      const res = await scimPost({ ...valid, userName: 'alice' });
      assert.equal(res.status, 409);
      assert.deepEqual(res.body.schemas, [SCIM_ERROR]);
      assert.equal(res.body.status, '409');
      assert.equal(res.body.scimType, 'uniqueness');
      assert.match(res.body.detail, /alice/);
    });

    test('a malformed replace (PUT) is 400 too', async () => {
      const list = await api(server, 'GET', `/scim2/Users?filter=${encodeURIComponent('userName eq "alice"')}`, { auth: server.adminAuth });
      const id = list.body.Resources[0].id as string;
      const res = await api(server, 'PUT', `/scim2/Users/${id}`, { auth: server.adminAuth, type: 'application/scim+json', body: { schemas: [USER_SCHEMA], userName: 'alice', password: 'alice' } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.schemas, [SCIM_ERROR]);
    });
  });

  describe('malformed application bodies', () => {
    const oidc = { grantTypes: ['authorization_code'], callbackURLs: ['https://app.example.com/cb'] };
    const step = (id: number, authenticator = 'basic') => ({ id, options: [{ idp: 'LOCAL', authenticator }] });
    const cases: Array<[string, unknown, RegExp]> = [
      ['invalid JSON', '{"name": "x",', /JSON/],
      ['no name', { inboundProtocolConfiguration: { oidc } }, /name is required/],
      ['an empty name', { name: '   ', inboundProtocolConfiguration: { oidc } }, /name is required/],
      ['a bad callback URL', { name: 'bad-cb', inboundProtocolConfiguration: { oidc: { ...oidc, callbackURLs: ['not a url'] } } }, /callbackURLs\[0\]/],
      ['a plain-http callback to another host', { name: 'http-cb', inboundProtocolConfiguration: { oidc: { ...oidc, callbackURLs: ['http://app.example.com/cb'] } } }, /https/],
      ['a callback with a fragment', { name: 'frag-cb', inboundProtocolConfiguration: { oidc: { ...oidc, callbackURLs: ['https://app.example.com/cb#x'] } } }, /fragment/],
      ['an unknown grant type', { name: 'bad-grant', inboundProtocolConfiguration: { oidc: { ...oidc, grantTypes: ['password'] } } }, /"password" is not supported/],
      ['an unknown authenticator', { name: 'bad-auth', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [step(1, 'NoSuchAuthenticator')] } }, /unknown authenticator "NoSuchAuthenticator"/],
      ['an empty step', { name: 'empty-step', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [{ id: 1, options: [] }] } }, /step 1 has no authenticator/],
      ['no steps', { name: 'no-steps', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [] } }, /at least one step/],
      ['step ids out of order', { name: 'order', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [step(2), step(1)] } }, /steps\[0\]\.id must be 1/],
      ['subjectStepId out of range', { name: 'subject', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [step(1)], subjectStepId: 3 } }, /subjectStepId/],
      ['attributeStepId not a number', { name: 'attribute', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'USER_DEFINED', steps: [step(1)], attributeStepId: 'one' } }, /attributeStepId/],
      ['an unknown sequence type', { name: 'seq-type', inboundProtocolConfiguration: { oidc }, authenticationSequence: { type: 'SCRIPTED', steps: [step(1)] } }, /DEFAULT or USER_DEFINED/],
      ['publicClient not a boolean', { name: 'pub', inboundProtocolConfiguration: { oidc: { ...oidc, publicClient: 'yes' } } }, /publicClient/],
      ['an unknown management scope', { name: 'mgmt', inboundProtocolConfiguration: { oidc }, managementScopes: ['root'] }, /"root" is not an admin scope/],
    ];
    for (const [name, body, message] of cases) {
      test(`${name} is 400 with a message naming the problem`, async () => {
        const res = await api(server, 'POST', '/api/server/v1/applications', { auth: server.adminAuth, body });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.message, message);
      });
    }

    test('a malformed PATCH is 400 and an unknown application is 404', async () => {
      const bad = await api(server, 'PATCH', `/api/server/v1/applications/${app.id}`, { auth: server.adminAuth, body: { authenticationSequence: { steps: [{ id: 1, options: [{ authenticator: 'nope' }] }] } } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /unknown authenticator "nope"/);
      const array = await api(server, 'PATCH', `/api/server/v1/applications/${app.id}`, { auth: server.adminAuth, body: [] });
      assert.equal(array.status, 400);
      const missing = await api(server, 'PATCH', '/api/server/v1/applications/no-such-app', { auth: server.adminAuth, body: { name: 'x' } });
      assert.equal(missing.status, 404);
    });
  });
});

describe('rate limit and auto-unlock (sqlite)', () => {
  test('after max_requests failed attempts from one IP the login POST answers 429 with a page for people', async () => {
    const server = await startServer({ overrides: { identity_mgt: { login_rate_limit: { max_requests: 3, window_seconds: 60 } } } });
    try {
      const app = await registerApp(server);
      await createScimUser(server, { userName: 'bob', password: 'bob-password-1' });
      const page = await openLogin(server, app);
      for (let i = 0; i < 3; i++) assert.equal((await post(page, { username: 'bob', password: `wrong-${i}-password` })).status, 400);
      const limited = await post(page, { username: 'bob', password: 'bob-password-1' });
      assert.equal(limited.status, 429);
      assert.equal(limited.location, null, 'even the right password does not get through');
      assert.match(limited.html, /<title>Too many attempts/);
      assert.match(limited.error ?? '', /Too many attempts from your address/);
      const other = await post(await openLogin(server, app), { username: 'bob', password: 'bob-password-1' });
      assert.equal(other.status, 429, 'a new interaction from the same IP is limited too');
    } finally {
      await server.close();
    }
  });

  test('a burst of concurrent wrong passwords from one IP gets exactly max_requests judged, the rest 429', async () => {
    const server = await startServer({ overrides: { identity_mgt: { login_rate_limit: { max_requests: 3, window_seconds: 60 }, account_locking: { allowed_failed_attempts: 1000 } } } });
    try {
      const app = await registerApp(server);
      await createScimUser(server, { userName: 'burst', password: 'burst-password-1' });
      const pages = await Promise.all(Array.from({ length: 12 }, () => openLogin(server, app)));
      const answers = await Promise.all(pages.map((page, i) => post(page, { username: 'burst', password: `wrong-${i}-password` })));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [...Array(3).fill(400), ...Array(9).fill(429)], 'three judged, nine refused before the password was looked at');
    } finally {
      await server.close();
    }
  });

  test('successful sign-ins do not count: more people than max_requests behind one address all get in', async () => {
    const server = await startServer({ overrides: { identity_mgt: { login_rate_limit: { max_requests: 2, window_seconds: 60 } } } });
    try {
      const app = await registerApp(server);
      for (let i = 0; i < 5; i++) await createScimUser(server, { userName: `office-${i}`, password: `office-password-${i}` });
      for (let i = 0; i < 5; i++) {
        const page = await openLogin(server, app);
        await codeFrom(page, await post(page, { username: `office-${i}`, password: `office-password-${i}` }), app);
      }
      // One typo is a failure like any other: two of them reach the limit.
      const page = await openLogin(server, app);
      for (let i = 0; i < 2; i++) assert.equal((await post(page, { username: 'office-0', password: 'typo-password' })).status, 400);
      assert.equal((await post(page, { username: 'office-0', password: 'office-password-0' })).status, 429);
    } finally {
      await server.close();
    }
  });

  test('a locked account unlocks after auto_unlock_after, and the next lock lasts twice as long', async () => {
    let offset = 0;
    const clock: Clock = { now: () => new Date(Date.now() + offset) };
    const server = await startServer({
      clock,
      overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 }, account_locking: { allowed_failed_attempts: 2, auto_unlock_after: 1, auto_unlock_time_increment_ratio: 2 } } },
    });
    try {
      const app = await registerApp(server);
      const carol = await createScimUser(server, { userName: 'carol', password: 'carol-password-1' });
      const page = await openLogin(server, app);
      const attempt = (password: string) => post(page, { username: 'carol', password });

      for (let i = 0; i < 2; i++) assert.equal((await attempt(`wrong-${i}-password`)).error, GENERIC_FAILURE);
      const locked = await attempt('carol-password-1');
      assert.deepEqual([locked.status, locked.error, locked.location], [400, GENERIC_FAILURE, null], 'locked: the right password is refused');
      assert.equal((await loginFailureRow(server, carol.id))?.lock_count, 1);

      offset = 61_000; // auto_unlock_after = 1 minute
      // Fail again twice without a success in between: the second lock lasts 2 minutes.
      for (let i = 0; i < 2; i++) assert.equal((await attempt(`again-${i}-password`)).error, GENERIC_FAILURE);
      const row = await loginFailureRow(server, carol.id);
      assert.equal(row?.lock_count, 2);
      offset += 61_000;
      assert.equal((await attempt('carol-password-1')).location, null, 'still locked after 1 minute of the 2-minute lock');
      offset += 61_000;
      await codeFrom(page, await attempt('carol-password-1'), app);
      const cleared = await loginFailureRow(server, carol.id);
      assert.deepEqual([cleared?.failed_attempts, cleared?.lock_count, cleared?.locked_until], [0, 0, null], 'a success clears the failures, the lock and its history');
    } finally {
      await server.close();
    }
  });
});

describe('concurrency on PostgreSQL', { skip: !DIALECTS.includes('postgres') && 'GATEHOUSE_TEST_DIALECTS excludes postgres' }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'postgres', overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
  });
  after(() => server?.close());

  test('20 concurrent wrong passwords for one user: exactly allowed_failed_attempts are judged, the rest refused, one lock', async () => {
    const app = await registerApp(server);
    const dave = await createScimUser(server, { userName: 'dave', password: 'dave-password-1' });
    const pages = await Promise.all(Array.from({ length: 20 }, () => openLogin(server, app)));

    // Capture the audit events of the login engine: which attempts were judged, which
    // were refused because the account was already locked.
    const events: Array<{ event?: string; userId?: string }> = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) events.push(JSON.parse(line)); done(); } });
    const original = server.deps.logger;
    server.deps.logger = createLogger('info', sink);
    let answers: Answer[];
    try {
      answers = await Promise.all(pages.map((page, i) => post(page, { username: 'dave', password: `wrong-password-${i}` })));
    } finally {
      server.deps.logger = original;
    }
    for (const a of answers) assert.deepEqual([a.status, a.error, a.location], [400, GENERIC_FAILURE, null]);

    const judged = events.filter((e) => e.event === 'login_failed' && e.userId === dave.id).length;
    const refused = events.filter((e) => e.event === 'login_refused_locked' && e.userId === dave.id).length;
    assert.equal(judged + refused, 20, 'every attempt was either judged or refused as locked');
    const allowed = server.deps.config.identity_mgt.account_locking.allowed_failed_attempts;
    // Counted before judging: a burst gets no more guesses than the lock allows.
    assert.equal(judged, allowed, `exactly ${allowed} of 20 concurrent attempts were judged`);
    assert.equal(events.filter((e) => e.event === 'account_locked').length, 1, 'one lock event');

    const row = await loginFailureRow(server, dave.id);
    assert.ok(row);
    assert.equal(row.failed_attempts, judged, 'every judged attempt was counted, none lost, none refused counted');
    assert.equal(row.lock_count, 1, 'locked exactly once');
    assert.ok(row.locked_until !== null && Number(row.locked_until) > Date.now() / 1000);

    const right = await post(await openLogin(server, app), { username: 'dave', password: 'dave-password-1' });
    assert.deepEqual([right.status, right.error, right.location], [400, GENERIC_FAILURE, null], 'the right password is refused while locked');
    const after = await loginFailureRow(server, dave.id);
    assert.equal(after?.failed_attempts, judged, 'attempts on a locked account are not counted');
    assert.equal(after?.lock_count, 1);
  });

  test('12 concurrent sign-ins of one user with the right password all go through, and nothing locks', async () => {
    const app = await registerApp(server);
    await createScimUser(server, { userName: 'gail', password: 'gail-password-1' });
    const pages = await Promise.all(Array.from({ length: 12 }, () => openLogin(server, app)));
    const answers = await Promise.all(pages.map((page) => post(page, { username: 'gail', password: 'gail-password-1' })));
    // More at once than allowed_failed_attempts (5): those over it wait for the first to be judged.
    assert.deepEqual(answers.map((a) => a.status), Array(12).fill(303), JSON.stringify(answers.map((a) => a.error)));
    const row = await loginFailureRow(server, (await server.deps.store.db.selectFrom('app_user').select('id').where('username', '=', 'gail').executeTakeFirstOrThrow()).id);
    assert.deepEqual([row?.failed_attempts ?? 0, row?.lock_count ?? 0, row?.locked_until ?? null], [0, 0, null], 'no failure or lock left on record');
  });

  test('HTTP Basic: 12 concurrent calls with the right password all answer; 20 with wrong ones get exactly 5 judged', async () => {
    const right = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/api/server/v1/applications`, { headers: { authorization: server.adminAuth } })));
    assert.deepEqual(right.map((r) => r.status), Array(12).fill(200));
    const helga = await createScimUser(server, { userName: 'helga', password: 'helga-password-1', roles: ['admin'] });
    const events: Array<{ event?: string; userId?: string }> = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) events.push(JSON.parse(line)); done(); } });
    const original = server.deps.logger;
    server.deps.logger = createLogger('info', sink);
    try {
      const wrong = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${server.url}/api/server/v1/applications`, { headers: { authorization: basicAuth('helga', `wrong-${i}`) } })));
      assert.deepEqual(wrong.map((r) => r.status), Array(20).fill(401));
    } finally {
      server.deps.logger = original;
    }
    const row = await loginFailureRow(server, helga.id);
    assert.equal(row?.failed_attempts, 5, 'exactly allowed_failed_attempts judged and counted');
    assert.equal(row?.lock_count, 1);
    assert.equal(events.filter((e) => e.event === 'account_locked').length, 1);
    const locked = await fetch(`${server.url}/api/server/v1/applications`, { headers: { authorization: basicAuth('helga', 'helga-password-1') } });
    assert.equal(locked.status, 401, 'the right password is refused while locked');
  });

  test('one authorization code exchanged by concurrent requests yields tokens once; the replay revokes them', async () => {
    const app = await registerApp(server);
    await createScimUser(server, { userName: 'erin', password: 'erin-password-1' });
    for (let round = 0; round < 3; round++) {
      const page = await openLogin(server, app);
      const code = await codeFrom(page, await post(page, { username: 'erin', password: 'erin-password-1' }), app);
      const results = await Promise.all(Array.from({ length: 4 }, () => exchangeCode(server, app, code, page.pkce.verifier)));
      const winners = results.filter((r) => r.status === 200);
      assert.equal(winners.length, 1, `exactly one exchange succeeds, got ${results.map((r) => r.status).join(',')}`);
      for (const r of results.filter((x) => x.status !== 200)) assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant']);
      assert.equal((await userinfo(server, winners[0]!.body.access_token!)).status, 401, 'the tokens of a replayed code are revoked');
    }
  });

  test('one refresh token used by concurrent requests is rotated once', async () => {
    const app = await registerApp(server);
    await createScimUser(server, { userName: 'frank', password: 'frank-password-1' });
    const page = await openLogin(server, app);
    const code = await codeFrom(page, await post(page, { username: 'frank', password: 'frank-password-1' }), app);
    const tokens = await exchangeCode(server, app, code, page.pkce.verifier);
    const refresh = () => fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(app.clientId, app.clientSecret!) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! }),
    }).then(async (res) => ({ status: res.status, body: await res.json() as Record<string, string> }));
    const results = await Promise.all(Array.from({ length: 4 }, refresh));
    assert.equal(results.filter((r) => r.status === 200).length, 1, `exactly one rotation, got ${results.map((r) => r.status).join(',')}`);
    for (const r of results.filter((x) => x.status !== 200)) assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant']);
  });
});
