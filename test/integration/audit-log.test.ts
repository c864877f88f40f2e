// The security audit log (GET /api/server/v1/audit-logs) on a real server: every action
// below is driven the way a user or an administrator does it (real sign-ins over HTTP,
// real admin API calls), then the log must hold exactly one event for it with the right
// fields; filters and cursor paging; tenant isolation; no secret in any row; retention.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import * as client from 'openid-client';
import { startServer, basicAuth, ADMIN, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { authorize, exchange } from '../helpers/oidc-authorize.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { TWO_STEP, manualClock, codeAt, secretFromPage, submitCode } from '../helpers/totp.js';
import { useChooserApp, startAtChooser, post as postForm, codesOn, totpThroughChooser, type At } from '../helpers/backup-codes.js';
import { createLogger } from '../../src/logger.js';
import { recordAudit, purgeAuditEvents, type AuditEventView } from '../../src/audit/audit.service.js';

const AUDIT = '/api/server/v1/audit-logs';
const UA = 'AuditTest/1.0 (integration; +https://example.test)';
const PASSWORD = 'audit-Passw0rd-for-tests';
const ALLOWED_FAILURES = 3;
const SMTP_PASSWORD = 'smtp-Secret-never-in-audit-9';
const ACME = 'acme.com';
const OWNER = { username: 'owner', password: 'owner-Passw0rd!' };

/** A browser that sends a recognisable User-Agent on every request. */
class UaBrowser extends HttpBrowser {
  override request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    return super.request(url, { ...init, headers: { ...init.headers, 'user-agent': UA } });
  }
}

/** An event as the API answers it; the details read loosely, as the assertions pick into them. */
type Event = Omit<AuditEventView, 'details'> & { details: Record<string, any> };

interface CallOptions { auth?: string; body?: unknown; type?: string }

/** An API call with the test's User-Agent (an administrator's Basic credentials unless told). */
async function apiCall(server: TestServer, method: string, path: string, options: CallOptions = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'user-agent': UA,
      authorization: options.auth ?? server.adminAuth,
      ...(options.body !== undefined ? { 'content-type': options.type ?? 'application/json' } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Every event matching `query`, walking all pages. */
async function auditEvents(server: TestServer, query: Record<string, string | string[]> = {}, options: { auth?: string; prefix?: string } = {}): Promise<Event[]> {
  const out: Event[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const one of [v].flat()) params.append(k, one);
    params.set('limit', '100');
    if (cursor) params.set('cursor', cursor);
    const res = await apiCall(server, 'GET', `${options.prefix ?? ''}${AUDIT}?${params}`, { auth: options.auth ?? server.adminAuth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    out.push(...res.body.events);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** The one event of `type` among `list` (fails when there are none or several). */
function once(list: Event[], type: string, where: (e: Event) => boolean = () => true): Event {
  const found = list.filter((e) => e.type === type && where(e));
  assert.equal(found.length, 1, `exactly one ${type}: ${JSON.stringify(list.map((e) => e.type))}`);
  return found[0]!;
}

for (const dialect of DIALECTS) {
  describe(`security audit log (${dialect})`, () => {
    let server: TestServer;
    const clock = manualClock();
    let app: RegisteredApp; // password then TOTP
    let selfApp: RegisteredApp; // password only, internal_login
    let mfaSelfApp: RegisteredApp; // password then TOTP, internal_login
    /** Every secret the test handles; none may appear in any audit row. */
    const secrets = new Set<string>([PASSWORD, SMTP_PASSWORD, OWNER.password]);
    const codes = new Set<string>();

    before(async () => {
      server = await startServer({
        dialect, clock,
        overrides: {
          identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: ALLOWED_FAILURES } },
          output_adapter: { email: { allow_private_hosts: true } },
        },
      });
      secrets.add(server.adminAuth.slice('Basic '.length));
      app = await registerApp(server, { name: 'audited-app', sequence: TWO_STEP, redirectUri: 'http://localhost:8787/audited/callback' });
      selfApp = await registerApp(server, { name: 'my-account', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/self/callback' });
      mfaSelfApp = await registerApp(server, { name: 'my-account-mfa', sequence: TWO_STEP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/mfa/callback' });
      for (const a of [app, selfApp, mfaSelfApp]) if (a.clientSecret) secrets.add(a.clientSecret);
    });
    after(() => server.close());

    const call = (method: string, path: string, options: CallOptions = {}) => apiCall(server, method, path, options);
    const events = (query: Record<string, string | string[]> = {}, options: { auth?: string; prefix?: string } = {}) => auditEvents(server, query, options);

    const userEvents = (userId: string) => events({ userId });

    const newUser = async (userName: string) => createScimUser(server, { userName, password: PASSWORD, email: `${userName}@example.com` });

    /** Posts the username/password form of the page `html` at `url`. */
    async function postPassword(browser: HttpBrowser, url: string, html: string, username: string, password: string, redirectUri: string) {
      const form = parseForm(html);
      const isCallback = (u: string) => u.startsWith(redirectUri);
      const res = await browser.follow(new URL(form.action, url).href, { form: { ...form.fields, username, password } }, isCallback);
      return { url: res.url, status: res.res.status, page: isCallback(res.url) ? '' : await res.res.text() };
    }

    /** Opens the login page of `target` in a fresh browser with the test's User-Agent. */
    async function openLogin(target: RegisteredApp, params: Record<string, string> = {}) {
      const config = await discover(server.tenant.issuer, target.clientId, target.clientSecret);
      const browser = new UaBrowser();
      const started = await authorize(config, browser, target.redirectUri, params);
      return { config, browser, started, url: started.url, page: await started.res.text() };
    }

    /** Password then TOTP (enrolling on first use) in a fresh browser; returns tokens and the secret. */
    async function twoStep(username: string, secret?: string) {
      clock.advance(30);
      const login = await openLogin(app);
      const second = await postPassword(login.browser, login.url, login.page, username, PASSWORD, app.redirectUri);
      assert.equal(second.status, 200, second.page.slice(0, 300));
      const key = secret ?? secretFromPage(second.page);
      secrets.add(key);
      const code = codeAt(key, clock.seconds());
      codes.add(code);
      const done = await submitCode(login.browser, second.url, second.page, code, app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), `signed in: ${done.page.slice(0, 300)}`);
      const tokens = await exchange(login.config, { ...login.started, callback: new URL(done.url) });
      secrets.add(tokens.access_token);
      if (tokens.refresh_token) secrets.add(tokens.refresh_token);
      return { secret: key, tokens, config: login.config };
    }

    test('a two-step sign-in records each failure, each step, the enrollment and the sign-in once, with step, factor, application, IP and user agent', async () => {
      const user = await newUser('alma');
      const login = await openLogin(app);
      const wrong = await postPassword(login.browser, login.url, login.page, 'alma', 'not-her-password', app.redirectUri);
      secrets.add('not-her-password');
      assert.equal(wrong.status, 400);
      const enroll = await postPassword(login.browser, wrong.url, wrong.page, 'alma', PASSWORD, app.redirectUri);
      assert.equal(enroll.status, 200);
      const secret = secretFromPage(enroll.page);
      secrets.add(secret);
      const right = codeAt(secret, clock.seconds());
      const bad = codeAt(secret, clock.seconds() + 3000);
      assert.notEqual(bad, right);
      codes.add(right).add(bad);
      const refused = await submitCode(login.browser, enroll.url, enroll.page, bad, app.redirectUri);
      assert.equal(refused.status, 400);
      const done = await submitCode(login.browser, enroll.url, refused.page, right, app.redirectUri);
      assert.ok(done.url.startsWith(app.redirectUri), done.page.slice(0, 300));

      const list = (await userEvents(user.id)).filter((e) => e.type !== 'user_created');
      assert.deepEqual(list.map((e) => e.type).sort(), ['login_failed', 'login_failed', 'login_step_succeeded', 'login_step_succeeded', 'login_succeeded', 'totp_enrolled'].sort());
      for (const e of list) {
        assert.deepEqual({ clientId: e.clientId, ip: e.ip, userAgent: e.userAgent, user: e.user }, { clientId: app.clientId, ip: '127.0.0.1', userAgent: UA, user: { id: user.id, username: 'alma' } }, e.type);
      }
      const failedPassword = once(list, 'login_failed', (e) => e.step === 1);
      assert.deepEqual(
        { outcome: failedPassword.outcome, actor: failedPassword.actor, factor: failedPassword.factor, details: failedPassword.details },
        { outcome: 'failure', actor: { kind: 'anonymous', id: null, username: null }, factor: 'BasicAuthenticator', details: { reason: 'invalid_credentials' } },
      );
      const failedCode = once(list, 'login_failed', (e) => e.step === 2);
      assert.equal(failedCode.factor, 'totp');
      assert.deepEqual(failedCode.details, { reason: 'invalid_code' });
      const stepOne = once(list, 'login_step_succeeded', (e) => e.step === 1);
      assert.deepEqual({ outcome: stepOne.outcome, factor: stepOne.factor, actor: stepOne.actor }, { outcome: 'success', factor: 'BasicAuthenticator', actor: { kind: 'user', id: user.id, username: 'alma' } });
      assert.equal(once(list, 'login_step_succeeded', (e) => e.step === 2).factor, 'totp');
      const enrolled = once(list, 'totp_enrolled');
      assert.deepEqual({ factor: enrolled.factor, details: enrolled.details }, { factor: 'totp', details: { via: 'login' } });
      const signedIn = once(list, 'login_succeeded');
      assert.deepEqual(signedIn.details.amr, ['pwd', 'otp', 'mfa']);
      assert.deepEqual(signedIn.details.completed.sort(), ['BasicAuthenticator', 'totp']);
      assert.deepEqual(signedIn.actor, { kind: 'user', id: user.id, username: 'alma' });
      // Newest first: the sign-in, then its last step, then the enrollment within that step.
      assert.deepEqual(list.slice(0, 3).map((e) => e.type), ['login_succeeded', 'login_step_succeeded', 'totp_enrolled']);
    });

    test('a wrong username is a failure without a user, still with the application, IP and user agent', async () => {
      const login = await openLogin(app);
      const res = await postPassword(login.browser, login.url, login.page, 'nobody-here', 'whatever-Passw0rd', app.redirectUri);
      assert.equal(res.status, 400);
      secrets.add('whatever-Passw0rd');
      const failures = (await events({ type: 'login_failed' })).filter((e) => e.user === null);
      assert.equal(failures.length, 1, JSON.stringify(failures));
      assert.deepEqual({ ...failures[0], id: undefined, at: undefined }, {
        id: undefined, at: undefined, type: 'login_failed', outcome: 'failure', actor: { kind: 'anonymous', id: null, username: null }, user: null,
        clientId: app.clientId, step: 1, factor: 'BasicAuthenticator', ip: '127.0.0.1', userAgent: UA, details: { reason: 'invalid_credentials' },
      });
    });

    test('a lockout is recorded once, by the system; attempts while locked and the admin unlock are recorded too', async () => {
      const user = await newUser('lou');
      const login = await openLogin(app);
      let page = { url: login.url, page: login.page };
      for (let i = 0; i < ALLOWED_FAILURES + 1; i++) {
        const res = await postPassword(login.browser, page.url, page.page, 'lou', `wrong-${i}`, app.redirectUri);
        assert.equal(res.status, 400);
        page = res;
      }
      const locked = await userEvents(user.id);
      const lock = once(locked, 'account_locked');
      assert.deepEqual({ outcome: lock.outcome, actor: lock.actor, factor: lock.factor, user: lock.user }, {
        outcome: 'success', actor: { kind: 'system', id: null, username: null }, factor: 'BasicAuthenticator', user: { id: user.id, username: 'lou' },
      });
      assert.deepEqual(lock.details, { failedAttempts: ALLOWED_FAILURES, lockedUntil: new Date((clock.seconds() + 5 * 60) * 1000).toISOString() });
      assert.deepEqual({ clientId: lock.clientId, ip: lock.ip, userAgent: lock.userAgent }, { clientId: app.clientId, ip: '127.0.0.1', userAgent: UA }, 'the lock says where the attempts came from');
      const failures = locked.filter((e) => e.type === 'login_failed');
      assert.deepEqual(failures.map((e) => e.details.reason), ['account_locked', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials'], 'newest first');

      const unlocked = await call('POST', `/api/server/v1/users/${user.id}/unlock`);
      assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
      const event = once(await userEvents(user.id), 'account_unlocked');
      assert.deepEqual({ ...event, id: undefined, at: undefined }, {
        id: undefined, at: undefined, type: 'account_unlocked', outcome: 'success', actor: { kind: 'user', id: event.actor.id, username: 'admin' },
        user: { id: user.id, username: 'lou' }, clientId: null, step: null, factor: null, ip: '127.0.0.1', userAgent: UA,
        details: { factor: 'all', wasLocked: ['BasicAuthenticator'], revoked: 0 },
      });
    });

    test('a replayed TOTP code is recorded once, with the application, IP and user agent, next to the failed step', async () => {
      const user = await newUser('rey');
      const { secret } = await twoStep('rey');
      clock.advance(30);
      const code = codeAt(secret, clock.seconds());
      codes.add(code);
      const first = await openLogin(app);
      const firstCode = await postPassword(first.browser, first.url, first.page, 'rey', PASSWORD, app.redirectUri);
      assert.ok((await submitCode(first.browser, firstCode.url, firstCode.page, code, app.redirectUri)).url.startsWith(app.redirectUri));
      const second = await openLogin(app);
      const secondCode = await postPassword(second.browser, second.url, second.page, 'rey', PASSWORD, app.redirectUri);
      assert.equal((await submitCode(second.browser, secondCode.url, secondCode.page, code, app.redirectUri)).status, 400);

      const list = await userEvents(user.id);
      const replay = once(list, 'totp_code_replayed');
      assert.deepEqual({ ...replay, id: undefined, at: undefined }, {
        id: undefined, at: undefined, type: 'totp_code_replayed', outcome: 'failure', actor: { kind: 'anonymous', id: null, username: null },
        user: { id: user.id, username: 'rey' }, clientId: app.clientId, step: null, factor: 'totp', ip: '127.0.0.1', userAgent: UA,
        details: { timeStep: Math.floor(clock.seconds() / 30) },
      });
      assert.equal(once(list, 'login_failed').details.reason, 'code_replayed');
    });

    test('self-service enrollment and removal, and the admin reset and sign-out, are recorded with who acted', async () => {
      const sue = await newUser('sue');
      const login = await passwordLogin({ issuer: server.tenant.issuer, clientId: selfApp.clientId, clientSecret: selfApp.clientSecret, redirectUri: selfApp.redirectUri, username: 'sue', password: PASSWORD, scope: 'openid internal_login' });
      assert.ok(login.tokens);
      secrets.add(login.tokens.access_token);
      const bearer = `Bearer ${login.tokens.access_token}`;
      const init = await call('POST', '/api/users/v1/me/totp', { auth: bearer, body: { action: 'INIT' } });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      secrets.add(init.body.secret);
      const code = codeAt(init.body.secret, clock.seconds());
      codes.add(code);
      assert.deepEqual((await call('POST', '/api/users/v1/me/totp', { auth: bearer, body: { action: 'VALIDATE', verificationCode: code } })).body, { isValid: true });
      const enrolled = once(await userEvents(sue.id), 'totp_enrolled');
      assert.deepEqual({ actor: enrolled.actor, factor: enrolled.factor, ip: enrolled.ip, userAgent: enrolled.userAgent, details: enrolled.details }, {
        actor: { kind: 'user', id: sue.id, username: 'sue' }, factor: 'totp', ip: '127.0.0.1', userAgent: UA, details: { via: 'self-service', replaced: false },
      });

      // Removing the active secret needs a recent second factor: a password+TOTP sign-in.
      clock.advance(30);
      const mfa = await openLogin(mfaSelfApp, { scope: 'openid internal_login' });
      const step = await postPassword(mfa.browser, mfa.url, mfa.page, 'sue', PASSWORD, mfaSelfApp.redirectUri);
      const mfaCode = codeAt(init.body.secret, clock.seconds());
      codes.add(mfaCode);
      const done = await submitCode(mfa.browser, step.url, step.page, mfaCode, mfaSelfApp.redirectUri);
      const tokens = await exchange(mfa.config, { ...mfa.started, callback: new URL(done.url) });
      secrets.add(tokens.access_token);
      const deleted = await call('DELETE', '/api/users/v1/me/totp', { auth: `Bearer ${tokens.access_token}` });
      assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
      const removed = once(await userEvents(sue.id), 'totp_reset');
      assert.deepEqual({ actor: removed.actor, user: removed.user, ip: removed.ip, userAgent: removed.userAgent, details: { ...removed.details, revoked: undefined } }, {
        actor: { kind: 'user', id: sue.id, username: 'sue' }, user: { id: sue.id, username: 'sue' }, ip: '127.0.0.1', userAgent: UA,
        details: { via: 'self-service', hadActive: true, revoked: undefined },
      });
      assert.ok(removed.details.revoked > 0, 'removing the active secret ended the sessions');

      const rex = await newUser('rex');
      await twoStep('rex');
      assert.equal((await call('DELETE', `/api/server/v1/users/${rex.id}/totp`)).status, 200);
      assert.equal((await call('POST', `/api/server/v1/users/${rex.id}/sign-out`)).status, 200);
      const rexEvents = await userEvents(rex.id);
      const reset = once(rexEvents, 'totp_reset');
      assert.deepEqual({ actor: reset.actor.username, kind: reset.actor.kind, factor: reset.factor, ip: reset.ip, userAgent: reset.userAgent }, { actor: 'admin', kind: 'user', factor: 'totp', ip: '127.0.0.1', userAgent: UA });
      assert.equal(reset.details.via, 'admin');
      assert.equal(reset.details.removed, true);
      assert.ok(reset.details.revoked > 0);
      const out = once(rexEvents, 'user_signed_out_everywhere');
      assert.deepEqual({ actor: out.actor.username, user: out.user, details: out.details }, { actor: 'admin', user: { id: rex.id, username: 'rex' }, details: { revoked: 0 } });
    });

    test('admin changes to applications name the actor, the application and what changed, never the client secret', async () => {
      const created = await call('POST', '/api/server/v1/applications', {
        body: { name: 'audit-me', inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['https://audit.example/cb'] } } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      const oidc = await call('GET', `/api/server/v1/applications/${id}/inbound-protocols/oidc`);
      secrets.add(oidc.body.clientSecret);
      assert.equal((await call('PATCH', `/api/server/v1/applications/${id}`, { body: { name: 'audit-me-2', description: 'renamed' } })).status, 200);
      assert.equal((await call('PUT', `/api/server/v1/applications/${id}/inbound-protocols/oidc`, { body: { publicClient: true, grantTypes: ['authorization_code'], callbackURLs: ['https://audit.example/cb'] } })).status, 200);
      assert.equal((await call('DELETE', `/api/server/v1/applications/${id}`)).status, 204);

      const mine = (await events({ type: ['application_created', 'application_updated', 'application_deleted'] })).filter((e) => e.details.applicationId === id);
      assert.deepEqual(mine.map((e) => e.type), ['application_deleted', 'application_updated', 'application_updated', 'application_created']);
      for (const e of mine) {
        assert.deepEqual({ actor: e.actor.username, clientId: e.clientId, ip: e.ip, userAgent: e.userAgent, user: e.user }, { actor: 'admin', clientId: oidc.body.clientId, ip: '127.0.0.1', userAgent: UA, user: null });
      }
      const [deleted, toPublic, renamed, made] = mine as [Event, Event, Event, Event];
      assert.equal(made.details.after.name, 'audit-me');
      assert.deepEqual(made.details.after.oidc.callbackURLs, ['https://audit.example/cb']);
      assert.deepEqual({ before: renamed.details.before, after: renamed.details.after, secret: renamed.details.clientSecretChanged }, {
        before: { name: 'audit-me', description: '' }, after: { name: 'audit-me-2', description: 'renamed' }, secret: false,
      });
      assert.equal(toPublic.details.before.oidc.publicClient, false);
      assert.equal(toPublic.details.after.oidc.publicClient, true);
      assert.equal(toPublic.details.clientSecretChanged, true, 'a public client loses its secret: said, not shown');
      assert.equal(deleted.details.before.name, 'audit-me-2');
    });

    test('SCIM changes to users name the actor and the user; a password is only ever "changed"', async () => {
      const created = await call('POST', '/scim2/Users', { type: 'application/scim+json', body: { userName: 'una', password: 'una-First-Passw0rd', roles: [{ value: 'staff' }] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      secrets.add('una-First-Passw0rd');
      const id = created.body.id as string;
      const replaced = await call('PUT', `/scim2/Users/${id}`, { type: 'application/scim+json', body: { userName: 'una', password: 'una-Second-Passw0rd', roles: [{ value: 'staff' }, { value: 'admin' }] } });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      secrets.add('una-Second-Passw0rd');
      assert.equal((await call('PUT', `/scim2/Users/${id}`, { type: 'application/scim+json', body: { userName: 'una', roles: [{ value: 'staff' }], emails: [{ value: 'una@example.com' }] } })).status, 200);
      assert.equal((await call('DELETE', `/scim2/Users/${id}`)).status, 204);

      const list = await userEvents(id);
      assert.deepEqual(list.map((e) => e.type), ['user_deleted', 'user_updated', 'user_updated', 'user_created']);
      for (const e of list) {
        assert.deepEqual({ actor: e.actor.username, user: e.user, ip: e.ip, userAgent: e.userAgent }, { actor: 'admin', user: { id, username: 'una' }, ip: '127.0.0.1', userAgent: UA });
      }
      const [deleted, emailed, promoted, made] = list as [Event, Event, Event, Event];
      assert.deepEqual(made.details, { after: { userName: 'una', claims: {}, roles: ['staff'], active: true }, passwordSet: true });
      assert.deepEqual(promoted.details, { before: { roles: ['staff'] }, after: { roles: ['staff', 'admin'] }, passwordChanged: true, sessionsRevoked: true });
      assert.deepEqual(emailed.details, { before: { claims: {}, roles: ['staff', 'admin'] }, after: { claims: { email: 'una@example.com' }, roles: ['staff'] }, passwordChanged: false, sessionsRevoked: false });
      assert.equal(deleted.details.before.userName, 'una');
    });

    test('email template, sender and TOTP parameter changes record before and after; the SMTP password never appears', async () => {
      const TEMPLATES = '/api/server/v1/email/template-types/VE9UUA/templates';
      const german = { id: 'de_DE', contentType: 'text/html', subject: 'Ihr Code', body: '<p>Code: {{token}}</p>', footer: '' };
      assert.equal((await call('POST', TEMPLATES, { body: german })).status, 201);
      assert.equal((await call('PUT', `${TEMPLATES}/de_DE`, { body: { ...german, subject: 'Ihr neuer Code' } })).status, 200);
      assert.equal((await call('DELETE', `${TEMPLATES}/de_DE`)).status, 204);
      assert.equal((await call('PUT', '/api/server/v1/email/default-locale', { body: { locale: 'de_DE' } })).status, 200);
      const templates = await events({ type: 'email_template_added,email_template_replaced,email_template_deleted,email_default_locale_updated' });
      assert.deepEqual(templates.map((e) => e.type), ['email_default_locale_updated', 'email_template_deleted', 'email_template_replaced', 'email_template_added']);
      const [locale, removed, changed, added] = templates as [Event, Event, Event, Event];
      assert.deepEqual(added.details, { templateType: 'TOTP', locale: 'de_DE', after: { contentType: 'text/html', subject: 'Ihr Code', body: '<p>Code: {{token}}</p>', footer: '' } });
      assert.deepEqual(changed.details, { templateType: 'TOTP', locale: 'de_DE', before: { subject: 'Ihr Code' }, after: { subject: 'Ihr neuer Code' } });
      assert.equal(removed.details.before.subject, 'Ihr neuer Code');
      assert.equal(removed.details.after.subject, null, 'de_DE has no built-in default');
      assert.deepEqual(locale.details, { before: { locale: null }, after: { locale: 'de_DE' } });
      for (const e of templates) assert.deepEqual({ actor: e.actor.username, ip: e.ip, userAgent: e.userAgent }, { actor: 'admin', ip: '127.0.0.1', userAgent: UA });

      const SENDER = '/api/server/v1/notification-senders/email';
      const sender = { smtpServerHost: '127.0.0.1', smtpPort: 2525, fromAddress: 'sign-in@audit.example', userName: 'mailer', password: SMTP_PASSWORD, properties: [] };
      assert.equal((await call('POST', SENDER, { body: sender })).status, 201);
      assert.equal((await call('PUT', `${SENDER}/EmailPublisher`, { body: { ...sender, password: `${SMTP_PASSWORD}-2`, fromAddress: 'login@audit.example' } })).status, 200);
      secrets.add(`${SMTP_PASSWORD}-2`);
      assert.equal((await call('PUT', `${SENDER}/EmailPublisher`, { body: { ...sender, password: undefined, smtpPort: 2526, fromAddress: 'login@audit.example' } })).status, 400, 'a new port needs the password again');
      assert.equal((await call('DELETE', `${SENDER}/EmailPublisher`)).status, 204);
      const senders = await events({ type: ['email_sender_created', 'email_sender_updated', 'email_sender_deleted'] });
      assert.deepEqual(senders.map((e) => e.type), ['email_sender_deleted', 'email_sender_updated', 'email_sender_created'], 'a refused change is not an event');
      const [gone, updated, made] = senders as [Event, Event, Event];
      assert.equal(made.details.after.smtpServerHost, '127.0.0.1');
      assert.equal(made.details.after.passwordSet, true);
      assert.equal(made.details.passwordChanged, true);
      assert.deepEqual(updated.details, { before: { fromAddress: 'sign-in@audit.example' }, after: { fromAddress: 'login@audit.example' }, passwordChanged: true });
      assert.equal(gone.details.before.userName, 'mailer');

      assert.equal((await call('PUT', '/api/server/v1/authenticators/totp/parameters', { body: { windowSize: 5, Issuer: 'Audit Inc' } })).status, 200);
      assert.equal((await call('PUT', '/api/server/v1/authenticators/totp/parameters', { body: { windowSize: null, Issuer: null } })).status, 200);
      const params = await events({ type: 'totp_parameters_updated' });
      assert.equal(params.length, 2);
      const [back, set] = params as [Event, Event];
      assert.deepEqual(set.details, { before: { windowSize: 3, Issuer: '' }, after: { windowSize: 5, Issuer: 'Audit Inc' }, requested: { windowSize: 5, Issuer: 'Audit Inc' } });
      assert.deepEqual(back.details, { before: { windowSize: 5, Issuer: 'Audit Inc' }, after: { windowSize: 3, Issuer: '' }, requested: { windowSize: null, Issuer: null } });
      assert.deepEqual({ actor: set.actor.username, factor: set.factor, userAgent: set.userAgent }, { actor: 'admin', factor: 'totp', userAgent: UA });
    });

    test('filters: user id, username, one or several types, a time range; every answer newest first', async () => {
      const tina = await newUser('tina');
      clock.advance(3600);
      const t1 = clock.now().getTime();
      assert.equal((await call('PUT', `/scim2/Users/${tina.id}`, { type: 'application/scim+json', body: { userName: 'tina', roles: [{ value: 'one' }] } })).status, 200);
      clock.advance(3600);
      const t2 = clock.now().getTime();
      assert.equal((await call('PUT', `/scim2/Users/${tina.id}`, { type: 'application/scim+json', body: { userName: 'tina', roles: [{ value: 'two' }] } })).status, 200);

      const byId = await events({ userId: tina.id });
      assert.deepEqual(byId.map((e) => e.type), ['user_updated', 'user_updated', 'user_created']);
      assert.deepEqual(await events({ username: 'tina' }), byId);
      const between = await events({ userId: tina.id, from: new Date(t1).toISOString(), to: new Date(t2).toISOString() });
      assert.deepEqual(between.map((e) => e.details.after.roles), [['one']], 'from is inclusive, to exclusive');
      assert.deepEqual((await events({ userId: tina.id, from: new Date(t2).toISOString() })).map((e) => e.details.after.roles), [['two']]);
      assert.deepEqual((await events({ userId: tina.id, to: new Date(t1).toISOString() })).map((e) => e.type), ['user_created']);

      const all = await events();
      const wanted = new Set(['login_failed', 'account_locked']);
      const several = await events({ type: ['login_failed', 'account_locked'] });
      assert.deepEqual(several, all.filter((e) => wanted.has(e.type)), 'repeated type parameters');
      assert.deepEqual(await events({ type: 'login_failed,account_locked' }), several, 'or comma-separated');
      assert.ok(several.some((e) => e.type === 'account_locked') && several.some((e) => e.type === 'login_failed'));
      const times = all.map((e) => Date.parse(e.at));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    });

    test('paging: limit up to 100 and an opaque cursor walk every event once, newest first', async () => {
      const all = await events();
      assert.ok(all.length > 30, `enough events to page through: ${all.length}`);
      const seen: Event[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await call('GET', `${AUDIT}?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.count <= 7);
        assert.equal(res.body.count, res.body.events.length);
        seen.push(...res.body.events);
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor);
      assert.equal(pages, Math.ceil(all.length / 7));
      assert.deepEqual(seen.map((e) => e.id), all.map((e) => e.id), 'the same events in the same order, none twice');
      assert.equal(new Set(seen.map((e) => e.id)).size, seen.length);
      const total = await server.deps.store.db.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', server.tenant.id).executeTakeFirstOrThrow();
      assert.equal(Number(total.n), all.length);
      const first = await call('GET', `${AUDIT}?limit=1`);
      assert.equal(first.body.events[0].id, all[0]!.id);
      assert.equal(typeof first.body.nextCursor, 'string');
      const defaults = await call('GET', AUDIT);
      assert.equal(defaults.body.count, Math.min(50, all.length), 'default limit 50');
    });

    test('bad filters are 400s that say what is accepted; no credentials 401; no scope 403', async () => {
      for (const [query, message] of [
        ['limit=0', /limit must be a whole number from 1 to 100/],
        ['limit=101', /limit must be a whole number from 1 to 100/],
        ['limit=ten', /limit must be/],
        ['type=login_maybe', /unknown event type "login_maybe" \(known: login_succeeded, /],
        ['from=yesterday', /from must be an ISO 8601 time/],
        ['to=2026-13-45T99:00:00Z', /to must be an ISO 8601 time/],
        ['from=2026-11-28&to=2026-11-27', /from must not be after to/],
        ['cursor=not-a-cursor', /cursor is not one this API returned/],
        ['user=alma', /unknown query parameter "user" \(accepted: userId, username, type, from, to, limit, cursor\)/],
        ['userId=a&userId=b', /userId may be given once/],
      ] as const) {
        const res = await call('GET', `${AUDIT}?${query}`);
        assert.equal(res.status, 400, query);
        assert.match(res.body.message, message, query);
      }
      assert.equal((await fetch(`${server.url}${AUDIT}`)).status, 401);
      await newUser('plain-pat');
      assert.equal((await call('GET', AUDIT, { auth: basicAuth('plain-pat', PASSWORD) })).status, 403, 'a user who is no administrator');

      // Bearer tokens: only a management application that lists internal_audit_view.
      const token = async (scopes: string[]) => {
        const robot = await registerApp(server, { name: `robot-${scopes.join('-')}`, grantTypes: ['client_credentials'], managementScopes: scopes });
        secrets.add(robot.clientSecret!);
        const config = await discover(server.tenant.issuer, robot.clientId, robot.clientSecret);
        const grant = await client.clientCredentialsGrant(config, { scope: scopes.join(' ') });
        secrets.add(grant.access_token);
        return `Bearer ${grant.access_token}`;
      };
      assert.equal((await call('GET', AUDIT, { auth: await token(['internal_audit_view']) })).status, 200);
      const other = await call('GET', AUDIT, { auth: await token(['internal_user_mgt_view']) });
      assert.equal(other.status, 403);
      assert.match(other.body.message, /internal_audit_view/);
    });

    test('a tenant administrator reads only their own tenant\'s log, and no other', async () => {
      const created = await call('POST', '/api/server/v1/tenants', { body: { domain: ACME, owner: { ...OWNER, email: 'owner@acme.com' } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const acmeAuth = basicAuth(OWNER.username, OWNER.password);
      const acmeUser = await createScimUser(server, { userName: 'alma', password: PASSWORD }, { prefix: `/t/${ACME}`, auth: acmeAuth });
      const acme = await events({}, { auth: acmeAuth, prefix: `/t/${ACME}` });
      assert.deepEqual(acme.map((e) => e.type), ['user_created']);
      assert.deepEqual({ user: acme[0]!.user, actor: acme[0]!.actor.username }, { user: { id: acmeUser.id, username: 'alma' }, actor: 'owner' });
      const carbon = await events();
      assert.ok(carbon.length > 0);
      assert.ok(!carbon.some((e) => e.id === acme[0]!.id), 'carbon.super\'s log does not show acme\'s event');
      assert.equal((await events({ username: 'alma' }, { auth: acmeAuth, prefix: `/t/${ACME}` })).length, 1, 'carbon\'s alma stays out of acme\'s answer');
      assert.equal((await call('GET', AUDIT, { auth: basicAuth(`${OWNER.username}@${ACME}`, OWNER.password) })).status, 403, 'acme\'s owner on carbon.super');
      assert.equal((await call('GET', `/t/${ACME}${AUDIT}`, { auth: basicAuth(`${ADMIN.username}@carbon.super`, ADMIN.password) })).status, 403, 'carbon\'s admin on acme');
    });

    test('an audit row that cannot be written is logged as an error and the caller goes on', async () => {
      const lines: string[] = [];
      const deps = { ...server.deps, logger: createLogger('error', new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } })) };
      // No such tenant: the insert breaks the foreign key on both dialects.
      await recordAudit(deps, { tenantId: 'no-such-tenant', type: 'user_deleted', user: { id: 'u1', username: 'ghost' } });
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'audit_write_failed');
      assert.ok(logged, lines.join(''));
      assert.deepEqual({ tenantId: logged.tenantId, auditType: logged.auditType, userId: logged.userId }, { tenantId: 'no-such-tenant', auditType: 'user_deleted', userId: 'u1' });
    });

    test('secrets never reach a row: secret-named fields are redacted at any depth, and no password, secret, code or token the test used is stored', async () => {
      await recordAudit(server.deps, {
        tenantId: server.tenant.id, type: 'user_updated', user: { id: 'probe' },
        details: { before: { password: 'probe-Passw0rd', nested: { clientSecret: 'probe-secret', tokenEndpointAuthMethod: 'client_secret_basic' } }, after: { verificationCode: 123456, passwordSet: true } },
      });
      const probe = once(await events({ userId: 'probe' }), 'user_updated');
      assert.deepEqual(probe.details, {
        before: { password: '[redacted]', nested: { clientSecret: '[redacted]', tokenEndpointAuthMethod: 'client_secret_basic' } },
        after: { verificationCode: '[redacted]', passwordSet: true },
      });

      secrets.add('probe-Passw0rd').add('probe-secret');
      codes.add('123456');

      const rows = await server.deps.store.db.selectFrom('audit_event').selectAll().execute();
      assert.ok(rows.length > 50, `rows to scan: ${rows.length}`);
      const text = rows.map((row) => JSON.stringify(row)).join('\n');
      // Random ids could hold any six digits by chance; no code can hide in one.
      const withoutIds = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is in the audit log: ${secret.slice(0, 6)}…`);
      for (const code of codes) assert.doesNotMatch(withoutIds, new RegExp(`(^|[^0-9])${code}([^0-9]|$)`), `a TOTP code is in the audit log: ${code}`);
      assert.doesNotMatch(text, /\$argon2/, 'no password hash');
    });

    test('the retention purge deletes events older than [audit] retention_days, and only those', async () => {
      const tenantId = server.tenant.id;
      await recordAudit(server.deps, { tenantId, type: 'user_deleted', user: { id: 'old-one' } });
      clock.advance(89 * 86_400);
      await recordAudit(server.deps, { tenantId, type: 'user_deleted', user: { id: 'young-one' } });
      assert.equal(await purgeAuditEvents(server.deps), 0, 'nothing is older than 90 days yet');
      clock.advance(2 * 86_400);
      const purged = await purgeAuditEvents(server.deps);
      const left = await events();
      assert.ok(purged > 1, `every event of the first 90 days is gone: ${purged}`);
      assert.deepEqual(left.map((e) => e.user?.id), ['young-one']);
      const kept = { ...server.deps, config: { ...server.deps.config, audit: { retention_days: 0 } } };
      clock.advance(3650 * 86_400);
      assert.equal(await purgeAuditEvents(kept), 0, '0 keeps events forever');
      assert.equal((await events()).length, 1);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`backup-code events in the audit log (${dialect})`, () => {
    const clock = manualClock();
    const env = useChooserApp(dialect, clock);
    const post = (at: At, fields: Record<string, string>) => postForm(at, fields, env.choice.redirectUri);
    /** Password in a fresh browser with the test's User-Agent: the chooser of step 2. */
    async function chooser(username: string) {
      clock.advance(30);
      const step = await startAtChooser(env, username, PASSWORD, new UaBrowser());
      assert.match(step.page, /name="choose" value="backup-code-authenticator"/);
      return step;
    }
    async function totpTokens(username: string, secret: string) {
      const step = await chooser(username);
      return totpThroughChooser(step, env.choice.redirectUri, secret, clock.seconds());
    }

    test('creating codes after enrollment, signing in with one, regenerating and deleting them are recorded once each, naming the factor', async () => {
      const { server, choice } = env;
      const bea = await createScimUser(server, { userName: 'bea', password: PASSWORD });
      const first = await chooser('bea');
      const totp = await post(first, { choose: 'totp' });
      const secret = secretFromPage(totp.page);
      const offer = await post(totp, { token: codeAt(secret, clock.seconds()) });
      const shown = await post(offer, { backupCodes: 'create' });
      const codes = codesOn(shown.page);
      assert.equal(codes.length, 10, shown.page.slice(0, 300));
      assert.ok((await post(shown, { backupCodes: 'continue' })).reached);
      const made = once(await auditEvents(server, { userId: bea.id }), 'backup_codes_generated');
      assert.deepEqual({ ...made, id: undefined, at: undefined }, {
        id: undefined, at: undefined, type: 'backup_codes_generated', outcome: 'success', actor: { kind: 'user', id: bea.id, username: 'bea' },
        user: { id: bea.id, username: 'bea' }, clientId: choice.clientId, step: null, factor: 'backup-code-authenticator', ip: '127.0.0.1', userAgent: UA,
        details: { via: 'login', count: 10, unusedReplaced: 0, revoked: 0 },
      });

      const withCode = await post(await chooser('bea'), { choose: 'backup-code-authenticator' });
      assert.ok((await post(withCode, { BackupCode: codes[0]! })).reached, 'signed in with a backup code');
      const list = await auditEvents(server, { userId: bea.id });
      const used = once(list, 'backup_code_used');
      assert.deepEqual({ actor: used.actor.kind, factor: used.factor, clientId: used.clientId, ip: used.ip, userAgent: used.userAgent, details: used.details }, {
        actor: 'user', factor: 'backup-code-authenticator', clientId: choice.clientId, ip: '127.0.0.1', userAgent: UA, details: { remaining: 9 },
      });
      assert.equal(list[1]!.type, 'login_step_succeeded');
      assert.deepEqual({ step: list[1]!.step, factor: list[1]!.factor }, { step: 2, factor: 'backup-code-authenticator' });
      assert.deepEqual({ type: list[0]!.type, amr: list[0]!.details.amr }, { type: 'login_succeeded', amr: ['pwd', 'mfa'] });

      const tokens = await totpTokens('bea', secret);
      const again = await apiCall(server, 'POST', '/api/users/v1/me/backup-codes', { auth: `Bearer ${tokens.access_token}` });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const regenerated = once(await auditEvents(server, { userId: bea.id }), 'backup_codes_generated', (e) => e.details.via === 'self-service');
      assert.deepEqual({ actor: regenerated.actor.username, clientId: regenerated.clientId, ip: regenerated.ip, userAgent: regenerated.userAgent, details: { ...regenerated.details, revoked: undefined } }, {
        actor: 'bea', clientId: null, ip: '127.0.0.1', userAgent: UA, details: { via: 'self-service', count: 10, unusedReplaced: 9, revoked: undefined },
      });
      assert.ok(regenerated.details.revoked > 0, 'replacing unused codes ended the sessions');

      const fresh = await totpTokens('bea', secret);
      assert.equal((await apiCall(server, 'DELETE', '/api/users/v1/me/backup-codes', { auth: `Bearer ${fresh.access_token}` })).status, 204);
      const deleted = once(await auditEvents(server, { userId: bea.id }), 'backup_codes_deleted');
      assert.deepEqual({ actor: deleted.actor.username, details: deleted.details }, { actor: 'bea', details: { via: 'self-service', count: 10 } });

      const text = JSON.stringify(await server.deps.store.db.selectFrom('audit_event').selectAll().execute());
      for (const code of [...codes, ...(again.body.backupCodes as string[])]) {
        assert.ok(!text.includes(code) && !text.includes(code.replace('-', '')), `a backup code is in the audit log: ${code}`);
      }
    });
  });
}

describe('an audit log that cannot be written does not stop anyone (sqlite)', () => {
  test('with the table gone, sign-in and admin changes still succeed and each failed write is logged as an error', async () => {
    const server = await startServer();
    try {
      const lines: Array<Record<string, any>> = [];
      server.deps.logger = createLogger('error', { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, any>); } });
      const plain = await registerApp(server, { name: 'plain', redirectUri: 'http://localhost:8787/plain/callback' });
      await sql`drop table audit_event`.execute(server.deps.store.db);
      const created = await apiCall(server, 'POST', '/scim2/Users', { type: 'application/scim+json', body: { userName: 'ada', password: PASSWORD } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const login = await passwordLogin({ issuer: server.tenant.issuer, clientId: plain.clientId, clientSecret: plain.clientSecret, redirectUri: plain.redirectUri, username: 'ada', password: PASSWORD });
      assert.ok(login.tokens, `signed in: ${login.status} ${login.page.slice(0, 200)}`);
      const failed = lines.filter((l) => l.event === 'audit_write_failed').map((l) => l.auditType);
      assert.deepEqual(failed, ['user_created', 'login_step_succeeded', 'login_succeeded']);
      assert.equal(lines.find((l) => l.event === 'audit_write_failed')!.level, 50, 'logged at error level');
    } finally {
      await server.close();
    }
  });
});
