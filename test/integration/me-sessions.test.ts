// "Where you're signed in": /api/users/v1/me/sessions lists a user's browser sessions and
// ends them, with real sign-ins from separate cookie jars (one per device). Ending a session
// must stop everything that came through it — its cookie's single sign-on, its applications'
// access and refresh tokens — and nothing else; and nobody but the user (or an
// administrator) may end it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';

const ME = '/api/users/v1/me/sessions';
const PASSWORD = 'sessions-Passw0rd';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const bearer = (token: string) => `Bearer ${token}`;
const ABSOLUTE_TIMEOUT = 3600;

/** A browser on one device: its own cookies, its own user agent. */
class Device extends HttpBrowser {
  constructor(readonly userAgent: string) { super(); }
  override request(url: string, init: Parameters<HttpBrowser['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { ...init?.headers, 'user-agent': this.userAgent } });
  }
}

for (const dialect of DIALECTS) {
  describe(`a user's sessions (${dialect})`, () => {
    let server: TestServer;
    let myAccount: RegisteredApp; // lists internal_login
    let mail: RegisteredApp; // an ordinary application

    // Our clock, ahead of the real one by `ahead` seconds: "last active" must move with a
    // later single sign-on while the login time stays.
    let ahead = 0;
    const clock = { now: () => new Date(Date.now() + ahead * 1000) };

    before(async () => {
      // A long idle timeout and a short absolute one: a session past the absolute timeout is
      // still a row, but no longer signs anyone in.
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 } }, session: { idle_timeout: 86400, absolute_timeout: ABSOLUTE_TIMEOUT } } });
      myAccount = await registerApp(server, { name: 'Account Portal', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/me/callback' });
      mail = await registerApp(server, { name: 'Mail', redirectUri: 'http://localhost:8787/mail/callback' });
    });
    after(() => server.close());

    const signIn = async (app: RegisteredApp, username: string, device: HttpBrowser, extraParams?: Record<string, string>) => {
      const login = await passwordLogin({
        issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri,
        username, password: PASSWORD, scope: app === myAccount ? 'openid internal_login offline_access' : 'openid offline_access', browser: device, extraParams,
      });
      assert.ok(login.tokens, `signed in: ${login.status} ${login.page.slice(0, 200)}`);
      return login;
    };
    /** Single sign-on from the device's session: true when it still signs in without a password. */
    const stillSignedIn = async (app: RegisteredApp, device: HttpBrowser) => {
      try {
        await signIn(app, '(not asked)', device, { prompt: 'none' });
        return true;
      } catch (err) {
        assert.equal((err as { error?: string }).error, 'login_required', String(err));
        return false;
      }
    };
    const userinfo = (accessToken: string) => api(server, 'GET', '/oauth2/userinfo', { auth: bearer(accessToken) });
    const refresh = async (login: Awaited<ReturnType<typeof signIn>>) =>
      client.refreshTokenGrant(login.config, login.tokens!.refresh_token!).then(() => 'refreshed', (err: { error?: string }) => err.error ?? String(err));
    const sessions = async (accessToken: string) => {
      const res = await api(server, 'GET', ME, { auth: bearer(accessToken) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { userId: string; sessions: Array<{ id: string; current: boolean; userAgent?: string; ip?: string; loginTime: string; lastAccessTime: string; applications: Array<{ id: string; appId: string; appName: string; subject: string }> }> };
    };

    test('each device is one session: the current one first, with its browser, address, times and the applications signed in through it', async () => {
      const user = await createScimUser(server, { userName: 'sam', password: PASSWORD });
      const laptop = new Device(FIREFOX);
      const phone = new Device(PHONE);
      const before = Date.now();
      await signIn(mail, 'sam', laptop);
      await signIn(myAccount, 'sam', phone);
      ahead = 600;
      const onLaptop = await signIn(myAccount, 'sam', laptop, { prompt: 'none' }); // single sign-on: the same session
      ahead = 0;
      const listed = await sessions(onLaptop.tokens!.access_token);
      assert.equal(listed.userId, user.id);
      assert.equal(listed.sessions.length, 2, JSON.stringify(listed));
      const [current, other] = listed.sessions;
      assert.equal(current!.current, true);
      assert.equal(current!.userAgent, FIREFOX);
      assert.equal(other!.current, false);
      assert.equal(other!.userAgent, PHONE);
      for (const s of listed.sessions) {
        assert.match(s.id, /^[0-9a-f]{64}$/);
        assert.match(s.ip ?? '', /127\.0\.0\.1/);
        assert.ok(Number(s.loginTime) >= Math.floor(before / 1000) * 1000 && Number(s.loginTime) <= Date.now(), `loginTime in ms: ${s.loginTime}`);
      }
      assert.ok(Number(current!.lastAccessTime) - Number(current!.loginTime) >= 599_000, `the laptop's single sign-on 10 minutes later is its last activity: ${JSON.stringify(current)}`);
      assert.ok(Number(other!.lastAccessTime) - Number(other!.loginTime) < 5_000, `the phone was last active when it signed in: ${JSON.stringify(other)}`);
      assert.deepEqual(current!.applications.map((a) => a.appName).sort(), ['Account Portal', 'Mail']);
      assert.deepEqual(current!.applications.find((a) => a.appName === 'Mail'), { id: mail.id, appId: mail.clientId, appName: 'Mail', subject: user.id });
      assert.deepEqual(other!.applications.map((a) => a.appName), ['Account Portal']);
      // No session cookie value leaks into the list: ids are digests.
      const cookies = [...laptop.cookies, ...phone.cookies].map((c) => c.value);
      assert.ok(!cookies.some((value) => JSON.stringify(listed).includes(value)), 'no cookie value is shown');
    });

    test('ending another session signs that device out of everything, and only that device', async () => {
      await createScimUser(server, { userName: 'tia', password: PASSWORD });
      const laptop = new Device(FIREFOX);
      const phone = new Device(PHONE);
      const mine = await signIn(myAccount, 'tia', laptop);
      const phoneMail = await signIn(mail, 'tia', phone);
      const phoneAccount = await signIn(myAccount, 'tia', phone);
      const other = (await sessions(mine.tokens!.access_token)).sessions.find((s) => !s.current)!;

      const ended = await api(server, 'DELETE', `${ME}/${other.id}`, { auth: bearer(mine.tokens!.access_token) });
      assert.equal(ended.status, 204, JSON.stringify(ended.body));
      assert.equal((await userinfo(phoneMail.tokens!.access_token)).status, 401, 'the phone\'s Mail token is revoked');
      assert.equal(await refresh(phoneMail), 'invalid_grant', 'and its refresh token');
      assert.equal((await api(server, 'GET', ME, { auth: bearer(phoneAccount.tokens!.access_token) })).status, 401, 'the phone\'s own account page is signed out');
      assert.equal(await stillSignedIn(mail, phone), false, 'the phone\'s browser must sign in again');

      assert.equal((await userinfo(mine.tokens!.access_token)).status, 200, 'this device keeps its token');
      assert.equal(await refresh(mine), 'refreshed');
      assert.equal(await stillSignedIn(mail, laptop), true, 'and its single sign-on');
      assert.deepEqual((await sessions(mine.tokens!.access_token)).sessions.map((s) => s.current), [true]);
      const again = await api(server, 'DELETE', `${ME}/${other.id}`, { auth: bearer(mine.tokens!.access_token) });
      assert.equal(again.status, 404, 'an ended session is not found');
      assert.equal(again.body.code, 'session_not_found');

      const events = await api(server, 'GET', '/api/server/v1/audit-logs?username=tia&type=session_ended', { auth: server.adminAuth });
      assert.equal(events.body.events.length, 1);
      assert.deepEqual({ via: events.body.events[0].details.via, session: events.body.events[0].details.session, current: events.body.events[0].details.current }, { via: 'self', session: other.id, current: false });
    });

    test('an application that left the session at RP-initiated logout ("stay signed in") still loses its tokens when the session ends', async () => {
      await createScimUser(server, { userName: 'ivy', password: PASSWORD });
      const mine = await signIn(myAccount, 'ivy', new Device(FIREFOX));
      const phone = new Device(PHONE);
      const phoneMail = await signIn(mail, 'ivy', phone);
      await signIn(myAccount, 'ivy', phone);
      const logout = new URL(`${server.url}/oidc/logout`);
      logout.search = new URLSearchParams({ id_token_hint: phoneMail.tokens!.id_token!, client_id: mail.clientId }).toString();
      const ask = await phone.follow(logout.href);
      const form = parseForm(await ask.res.text());
      await phone.follow(new URL(form.action, ask.url).href, { form: form.fields }); // "No, stay signed in": Mail leaves the session, keeps its grant
      assert.equal((await userinfo(phoneMail.tokens!.access_token)).status, 200, 'Mail kept its tokens');
      const other = (await sessions(mine.tokens!.access_token)).sessions.find((s) => !s.current)!;
      assert.deepEqual(other.applications.map((a) => a.appName).sort(), ['Account Portal', 'Mail'], 'its tokens still name the session');
      assert.equal((await api(server, 'DELETE', `${ME}/${other.id}`, { auth: bearer(mine.tokens!.access_token) })).status, 204);
      assert.equal((await userinfo(phoneMail.tokens!.access_token)).status, 401);
      assert.equal(await refresh(phoneMail), 'invalid_grant');
    });

    test('"every other device" ends all sessions and tokens but this one; without keepCurrent every one ends, this one too', async () => {
      await createScimUser(server, { userName: 'uma', password: PASSWORD });
      const laptop = new Device(FIREFOX);
      const mine = await signIn(myAccount, 'uma', laptop);
      await signIn(mail, 'uma', laptop);
      const elsewhere = [await signIn(mail, 'uma', new Device(PHONE)), await signIn(myAccount, 'uma', new HttpBrowser())];
      assert.equal((await sessions(mine.tokens!.access_token)).sessions.length, 3);

      const bad = await api(server, 'DELETE', `${ME}?keepCurrent=yes`, { auth: bearer(mine.tokens!.access_token) });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /keepCurrent must be true or false/);
      // A misspelt parameter must not end this session too.
      for (const query of ['keep_current=true', 'keepCurrent[]=true', 'keepCurrent=true&all=1']) {
        const res = await api(server, 'DELETE', `${ME}?${query}`, { auth: bearer(mine.tokens!.access_token) });
        assert.equal(res.status, 400, query);
        assert.match(res.body.message, /unknown query parameter/);
      }
      const res = await api(server, 'DELETE', `${ME}?keepCurrent=true`, { auth: bearer(mine.tokens!.access_token) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      for (const login of elsewhere) {
        assert.equal((await userinfo(login.tokens!.access_token)).status, 401);
        assert.equal(await refresh(login), 'invalid_grant');
      }
      assert.equal((await userinfo(mine.tokens!.access_token)).status, 200);
      assert.equal(await stillSignedIn(mail, laptop), true, 'this device keeps Mail too');
      assert.equal((await sessions(mine.tokens!.access_token)).sessions.length, 1);

      assert.equal((await api(server, 'DELETE', ME, { auth: bearer(mine.tokens!.access_token) })).status, 204);
      assert.equal((await userinfo(mine.tokens!.access_token)).status, 401, 'all means all');
      assert.equal(await stillSignedIn(mail, laptop), false);
    });

    test('attack: another user\'s token, a password, a token without internal_login or a guessed id ends nobody\'s session', async () => {
      await createScimUser(server, { userName: 'vic', password: PASSWORD });
      await createScimUser(server, { userName: 'mallory', password: PASSWORD });
      const victim = await signIn(myAccount, 'vic', new Device(FIREFOX));
      const attacker = await signIn(myAccount, 'mallory', new Device(PHONE));
      const target = (await sessions(victim.tokens!.access_token)).sessions[0]!;

      const cross = await api(server, 'DELETE', `${ME}/${target.id}`, { auth: bearer(attacker.tokens!.access_token) });
      assert.equal(cross.status, 404, 'not one of the attacker\'s sessions');
      assert.deepEqual((await sessions(attacker.tokens!.access_token)).sessions.map((s) => s.id).includes(target.id), false, 'nor listed to them');
      for (const guess of ['0'.repeat(64), '..%2F..%2Fapplications']) {
        const res = await api(server, 'DELETE', `${ME}/${guess}`, { auth: bearer(attacker.tokens!.access_token) });
        assert.deepEqual([res.status, res.body.code], [404, 'session_not_found'], guess);
      }
      // A NUL character is refused before any route (request-bodies.test.ts).
      assert.equal((await api(server, 'DELETE', `${ME}/%00`, { auth: bearer(attacker.tokens!.access_token) })).status, 400);
      assert.equal((await api(server, 'DELETE', `${ME}/${target.id}`, { auth: basicAuth('vic', PASSWORD) })).status, 403, 'Basic is refused');
      const plain = await signIn(mail, 'vic', new HttpBrowser());
      assert.equal((await api(server, 'DELETE', `${ME}/${target.id}`, { auth: bearer(plain.tokens!.access_token) })).status, 403, 'no internal_login');
      assert.equal((await api(server, 'GET', ME, { auth: bearer(plain.tokens!.access_token) })).status, 403);
      assert.equal((await api(server, 'GET', ME)).status, 401);
      assert.equal((await userinfo(victim.tokens!.access_token)).status, 200, 'the victim is still signed in');
      assert.equal((await sessions(victim.tokens!.access_token)).sessions.length, 2, 'both of the victim\'s sessions live');
    });

    test('administrators list a user\'s sessions and end one; an ordinary user cannot', async () => {
      const user = await createScimUser(server, { userName: 'wes', password: PASSWORD });
      const laptop = await signIn(myAccount, 'wes', new Device(FIREFOX));
      const phone = await signIn(mail, 'wes', new Device(PHONE));
      const path = `/api/server/v1/users/${user.id}/sessions`;
      const listed = await api(server, 'GET', path, { auth: server.adminAuth });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(listed.body.sessions.map((s: { current: boolean }) => s.current), [false, false], 'no session is the administrator\'s');
      const phoneSession = listed.body.sessions.find((s: { userAgent: string }) => s.userAgent === PHONE);
      assert.equal((await api(server, 'GET', path, { auth: basicAuth('wes', PASSWORD) })).status, 403);
      assert.equal((await api(server, 'DELETE', `${path}/${phoneSession.id}`, { auth: basicAuth('wes', PASSWORD) })).status, 403);
      assert.equal((await api(server, 'DELETE', `${path}/${phoneSession.id}`, { auth: server.adminAuth })).status, 204);
      assert.equal((await userinfo(phone.tokens!.access_token)).status, 401);
      assert.equal((await userinfo(laptop.tokens!.access_token)).status, 200);
      assert.equal((await api(server, 'DELETE', `${path}/${phoneSession.id}`, { auth: server.adminAuth })).status, 404);
      assert.equal((await api(server, 'GET', `/api/server/v1/users/no-such-user/sessions`, { auth: server.adminAuth })).status, 404);
      const nul = await api(server, 'GET', '/api/server/v1/users/%00/sessions', { auth: server.adminAuth });
      assert.ok([400, 404].includes(nul.status), `a NUL in the id is the caller's mistake, not a 500: ${nul.status} ${JSON.stringify(nul.body)}`);
      const events = await api(server, 'GET', '/api/server/v1/audit-logs?username=wes&type=session_ended', { auth: server.adminAuth });
      assert.equal(events.body.events[0].details.via, 'admin');
      assert.equal(events.body.events[0].actor.username, 'admin');

      ahead = ABSOLUTE_TIMEOUT + 60;
      try {
        const later = await api(server, 'GET', path, { auth: server.adminAuth });
        assert.deepEqual(later.body.sessions, [], 'past the absolute timeout a session is over, though its row remains');
      } finally {
        ahead = 0;
      }
    });
  });

  // The defaults: a browser session idles out after 15 minutes, while its applications'
  // tokens live on (an access token an hour, a refresh token a day). Behind a proxy.
  describe(`a user's sessions after the idle timeout (${dialect})`, () => {
    let server: TestServer;
    let portal: RegisteredApp;
    let mail: RegisteredApp;
    let ahead = 0;
    const clock = { now: () => new Date(Date.now() + ahead * 1000) };

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { server: { trust_proxy: true }, identity_mgt: { login_rate_limit: { max_requests: 10000 } } } });
      portal = await registerApp(server, { name: 'Portal', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/portal/callback' });
      mail = await registerApp(server, { name: 'Mail', redirectUri: 'http://localhost:8787/mail/callback' });
    });
    after(() => server.close());

    const signIn = async (app: RegisteredApp, username: string, device: HttpBrowser) => {
      const login = await passwordLogin({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username, password: PASSWORD, scope: app === portal ? 'openid internal_login' : 'openid', browser: device });
      assert.ok(login.tokens, `signed in: ${login.status} ${login.page.slice(0, 200)}`);
      return login;
    };

    test('"every other device" still keeps the asking page once its own session idled out, and ends the tokens outside sessions', async () => {
      await createScimUser(server, { userName: 'kai', password: PASSWORD });
      const mine = await signIn(portal, 'kai', new Device(FIREFOX));
      const laptopMail = await signIn(mail, 'kai', new Device(PHONE));
      ahead = 901;
      try {
        const listed = await api(server, 'GET', ME, { auth: bearer(mine.tokens!.access_token) });
        assert.deepEqual(listed.body.sessions, [], 'both browser sessions idled out');
        assert.deepEqual(listed.body.applicationsOutsideSessions.map((a: { appName: string }) => a.appName), ['Mail'], 'the laptop\'s Mail kept its tokens; this page is not listed');
        assert.equal(await client.refreshTokenGrant(laptopMail.config, laptopMail.tokens!.refresh_token!).then(() => 'refreshed', (e: { error?: string }) => e.error), 'refreshed');

        assert.equal((await api(server, 'DELETE', `${ME}?keepCurrent=true`, { auth: bearer(mine.tokens!.access_token) })).status, 204);
        assert.equal((await api(server, 'GET', ME, { auth: bearer(mine.tokens!.access_token) })).status, 200, 'the asking page keeps its token');
        assert.equal(await client.refreshTokenGrant(laptopMail.config, laptopMail.tokens!.refresh_token!).then(() => 'refreshed', (e: { error?: string }) => e.error), 'invalid_grant', 'the laptop\'s Mail is signed out');
        assert.deepEqual((await api(server, 'GET', ME, { auth: bearer(mine.tokens!.access_token) })).body.applicationsOutsideSessions, []);
      } finally {
        ahead = 0;
      }
    });

    test('an address from X-Forwarded-For is kept to 64 characters, whatever the client wrote', async () => {
      await createScimUser(server, { userName: 'lou', password: PASSWORD });
      class Proxied extends Device {
        override request(url: string, init: Parameters<HttpBrowser['request']>[1] = {}) {
          return super.request(url, { ...init, headers: { ...init?.headers, 'x-forwarded-for': `${'f'.repeat(110)}, 10.0.0.1` } });
        }
      }
      const mine = await signIn(portal, 'lou', new Proxied(FIREFOX));
      const [session] = (await api(server, 'GET', ME, { auth: bearer(mine.tokens!.access_token) })).body.sessions;
      assert.equal(session.ip, 'f'.repeat(64));
    });
  });
}
