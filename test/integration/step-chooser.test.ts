// A step with several options shows a chooser; each option's page links back to it; a
// step with one option shows no chooser. A test-only second option stands beside TOTP.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { registerApp, createScimUser } from '../helpers/api.js';
import { parseForm } from '../helpers/http-browser.js';
import { exchange } from '../helpers/oidc-authorize.js';
import { TWO_STEP, startTwoStep } from '../helpers/totp.js';
import { registerTestPin } from '../helpers/test-pin.js';
import { failedAttempts } from '../../src/authn/regulation.js';

registerTestPin({ amr: ['pin'], chooserLabel: 'Use a test PIN' });

const CHOICE = {
  type: 'USER_DEFINED',
  steps: [
    { id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] },
    { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }, { idp: 'LOCAL', authenticator: 'test-pin' }] },
  ],
  subjectStepId: 1,
  attributeStepId: 1,
};

describe('the step chooser', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    await createScimUser(server, { userName: 'chris', password: 'chris-password-1', email: 'chris@example.com' });
  });
  after(() => server.close());

  const login = (app: { clientId: string; clientSecret?: string; redirectUri: string }) => ({
    issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: 'chris', password: 'chris-password-1',
  });

  test('lists the options, each option page links back to it, and the chosen option completes the step', async () => {
    const app = await registerApp(server, { name: 'choice', sequence: CHOICE });
    const first = await startTwoStep(login(app));
    assert.equal(first.status, 200);
    assert.match(first.page, /Choose how to verify/);
    assert.match(first.page, /name="choose" value="totp"[^>]*>Use your authenticator app</);
    assert.match(first.page, /name="choose" value="test-pin"[^>]*>Use a test PIN</);
    assert.doesNotMatch(first.page, /QR code|name="pin"/, 'no option runs before the user chooses');

    const post = async (page: string, url: string, fields: Record<string, string>) => {
      const form = parseForm(page);
      const after = await first.browser.follow(new URL(form.action, url).href, { form: { ...form.fields, ...fields } }, (u) => u.startsWith(app.redirectUri));
      return { url: after.url, status: after.res.status, page: after.url.startsWith(app.redirectUri) ? '' : await after.res.text() };
    };

    const forged = await post(first.page, first.url, { choose: 'BasicAuthenticator' });
    assert.match(forged.page, /Choose one of the options/, 'an option the step does not list cannot be chosen');

    const pin = await post(forged.page, forged.url, { choose: 'test-pin' });
    assert.match(pin.page, /name="pin"/);
    assert.match(pin.page, /name="chooser"[^>]*>Choose a different option</);

    const back = await post(pin.page, pin.url, { chooser: '1' });
    assert.match(back.page, /Choose how to verify/);

    const totp = await post(back.page, back.url, { choose: 'totp' });
    assert.match(totp.page, /alt="QR code/, 'TOTP enrollment runs when chosen');
    assert.match(totp.page, /Choose a different option/);

    const pinAgain = await post(await post(totp.page, totp.url, { chooser: '1' }).then((r) => r.page), totp.url, { choose: 'test-pin' });
    const wrong = await post(pinAgain.page, pinAgain.url, { pin: '0000' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.page, /Wrong PIN/);
    assert.equal(await failedAttempts(server.deps, server.tenant.id, await userId(), 'test-pin'), 1);
    assert.equal(await failedAttempts(server.deps, server.tenant.id, await userId(), 'totp'), 0, 'failures count for the option that failed');

    const done = await post(wrong.page, wrong.url, { pin: '4242' });
    assert.ok(done.url.startsWith(app.redirectUri), `reached the app, stopped at ${done.url}`);
    const claims = (await exchange(first.config, { ...first.started, callback: new URL(done.url) })).claims()!;
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'pin', 'pwd']);
  });

  test('a step with a single option shows no chooser', async () => {
    const app = await registerApp(server, { name: 'single', sequence: TWO_STEP });
    const first = await startTwoStep(login(app));
    assert.doesNotMatch(first.page, /Choose how to verify|Choose a different option/);
    assert.match(first.page, /alt="QR code/);
  });

  async function userId(): Promise<string> {
    const row = await server.deps.store.db.selectFrom('app_user').select('id').where('username', '=', 'chris').executeTakeFirstOrThrow();
    return row.id;
  }
});
