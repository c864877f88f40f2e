// POST /api/users/v1/me/password: a user changes their own password with a real token from
// a real sign-in. Who may call it (a user's token with internal_login, never Basic), what a
// change ends (every session and token), and the attack it must not open: a stolen token
// guessing the current password, concurrently, past the lockout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, createScimUser, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { failedAttempts } from '../../src/authn/regulation.js';

const ME = '/api/users/v1/me/password';
const PASSWORD = 'self-service-Passw0rd';
const ALLOWED_FAILURES = 3;
const bearer = (token: string) => `Bearer ${token}`;

for (const dialect of DIALECTS) {
  describe(`self-service password change (${dialect})`, () => {
    let server: TestServer;
    let myAccount: RegisteredApp; // lists internal_login
    let plainApp: RegisteredApp; // does not

    before(async () => {
      server = await startServer({
        dialect,
        overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 }, account_locking: { allowed_failed_attempts: ALLOWED_FAILURES } } },
      });
      myAccount = await registerApp(server, { name: 'my-account', managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/me/callback' });
      plainApp = await registerApp(server, { name: 'plain-web', redirectUri: 'http://localhost:8787/plain/callback' });
    });
    after(() => server.close());

    const signIn = (app: RegisteredApp, username: string, password: string, scope = 'openid internal_login') =>
      passwordLogin({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username, password, scope });
    async function token(username: string, password = PASSWORD): Promise<string> {
      const login = await signIn(myAccount, username, password);
      assert.ok(login.tokens, `signed in: ${login.status} ${login.page.slice(0, 200)}`);
      return login.tokens.access_token;
    }
    const change = (accessToken: string, body: unknown) => api(server, 'POST', ME, { auth: bearer(accessToken), body });
    const failures = (userId: string) => failedAttempts(server.deps, server.tenant.id, userId, 'BasicAuthenticator');

    test('the right current password changes it: the new one signs in, the old one not, and every session and token ends', async () => {
      await createScimUser(server, { userName: 'pia', password: PASSWORD });
      const other = await signIn(plainApp, 'pia', PASSWORD, 'openid');
      const mine = await token('pia');
      const res = await change(mine, { currentPassword: PASSWORD, newPassword: 'pias-new-Passw0rd' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.revoked >= 2, `the two sign-ins' tokens are revoked: ${JSON.stringify(res.body)}`);
      assert.equal((await api(server, 'GET', '/oauth2/userinfo', { auth: bearer(other.tokens!.access_token) })).status, 401, 'another application\'s token stopped working');
      assert.equal((await change(mine, { currentPassword: 'pias-new-Passw0rd', newPassword: 'whatever-Passw0rd' })).status, 401, 'so did the token that made the change');
      assert.ok((await signIn(myAccount, 'pia', 'pias-new-Passw0rd')).tokens, 'the new password signs in');
      assert.equal((await signIn(myAccount, 'pia', PASSWORD)).tokens, undefined, 'the old one does not');
      const events = await api(server, 'GET', '/api/server/v1/audit-logs?username=pia&type=user_updated', { auth: server.adminAuth });
      assert.equal(events.body.events[0].actor.username, 'pia');
      assert.equal(events.body.events[0].details.via, 'self');
      assert.equal(events.body.events[0].details.passwordChanged, true);
    });

    test('a wrong current password or a new password the policy refuses changes nothing; only the wrong password counts as a failure', async () => {
      const user = await createScimUser(server, { userName: 'quinn', password: PASSWORD });
      const mine = await token('quinn');
      const weak = await change(mine, { currentPassword: PASSWORD, newPassword: 'quinn' });
      assert.equal(weak.status, 400);
      assert.match(weak.body.message, /^newPassword must be at least 8 characters/);
      assert.equal(await failures(user.id), 0, 'a refused new password costs no attempt');
      const wrong = await change(mine, { currentPassword: 'not-the-password', newPassword: 'quinns-new-Passw0rd' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.code, 'invalid_current_password');
      assert.equal(await failures(user.id), 1);
      for (const body of [null, [], 'x', {}, { currentPassword: PASSWORD }, { currentPassword: 1, newPassword: 'x' }, { currentPassword: PASSWORD, newPassword: 'quinns-new-Passw0rd', userId: 'someone-else' }]) {
        const res = await change(mine, body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      assert.ok((await signIn(myAccount, 'quinn', PASSWORD)).tokens, 'the password is unchanged');
      assert.equal(await failures(user.id), 0, 'a successful sign-in clears the count, as usual');
    });

    test('attack: 20 concurrent guesses with a stolen token are judged only up to the limit, and the lock then holds even for the right password', async () => {
      const user = await createScimUser(server, { userName: 'rex', password: PASSWORD });
      const stolen = await token('rex');
      const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => change(stolen, { currentPassword: `guess-${i}-Passw0rd`, newPassword: 'attackers-Passw0rd' })));
      const judged = guesses.filter((g) => g.status === 400).length;
      const refused = guesses.filter((g) => g.status === 403 && g.body.code === 'password_locked').length;
      assert.equal(judged, ALLOWED_FAILURES, `only ${ALLOWED_FAILURES} guesses are checked: ${guesses.map((g) => g.status).join(', ')}`);
      assert.equal(refused, 20 - ALLOWED_FAILURES);
      const right = await change(stolen, { currentPassword: PASSWORD, newPassword: 'attackers-Passw0rd' });
      assert.equal(right.status, 403, 'locked: not even the right password is checked');
      assert.match(right.body.message, /Too many wrong passwords/);
      assert.equal((await signIn(myAccount, 'rex', PASSWORD)).tokens, undefined, 'the sign-in page is locked too');
      assert.ok(await failures(user.id) >= ALLOWED_FAILURES);
    });

    test('a count already past a lowered limit locks at the next attempt (unjudged), with an end time, exactly once under concurrency', async () => {
      const user = await createScimUser(server, { userName: 'ivo', password: PASSWORD });
      const own = await token('ivo');
      // Failures counted past the limit with no lock in force: after an administrator
      // lowered the limit. The next attempts wait for attempts in flight (none), then lock.
      await server.deps.store.db.insertInto('login_failure')
        .values({ tenant_id: server.tenant.id, user_id: user.id, factor: 'BasicAuthenticator', failed_attempts: ALLOWED_FAILURES + 2, lock_count: 0, locked_until: null })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'factor']).doUpdateSet({ failed_attempts: ALLOWED_FAILURES + 2 }))
        .execute();
      const guesses = await Promise.all(Array.from({ length: 10 }, () => change(own, { currentPassword: 'wrong-again-Passw0rd', newPassword: 'ivos-next-Passw0rd' })));
      assert.ok(guesses.every((g) => g.status === 403 && g.body.code === 'password_locked'), guesses.map((g) => g.body.code).join(', '));
      assert.ok(guesses.every((g) => /until \d{4}-\d\d-\d\dT/.test(g.body.message)), `a lock with an end time, not "until an administrator unlocks it": ${guesses[0]!.body.message}`);
      const locks = await api(server, 'GET', '/api/server/v1/audit-logs?username=ivo&type=account_locked', { auth: server.adminAuth });
      assert.equal(locks.body.events.length, 1, 'locked once');
      assert.equal((await signIn(myAccount, 'ivo', PASSWORD)).tokens, undefined, 'the sign-in page is locked too');
      assert.ok(await failures(user.id) > ALLOWED_FAILURES);
    });

    test('only a user\'s token with internal_login may call it: not Basic, not a token without the scope', async () => {
      await createScimUser(server, { userName: 'sam', password: PASSWORD });
      const body = { currentPassword: PASSWORD, newPassword: 'sams-new-Passw0rd' };
      const basic = await api(server, 'POST', ME, { auth: basicAuth('sam', PASSWORD), body });
      assert.equal(basic.status, 403);
      assert.equal(basic.body.code, 'basic_auth_not_allowed');
      const plain = await signIn(plainApp, 'sam', PASSWORD, 'openid');
      const noScope = await change(plain.tokens!.access_token, body);
      assert.equal(noScope.status, 403);
      assert.match(noScope.body.message, /internal_login/);
      assert.equal((await api(server, 'POST', ME, { body })).status, 401);
      assert.ok((await signIn(myAccount, 'sam', PASSWORD)).tokens, 'the password is unchanged');
    });
  });
}
