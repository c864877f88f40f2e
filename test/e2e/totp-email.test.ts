// "Get a verification code by email" in a real browser (issue 4, acceptance 1): Chromium
// signs in with a password, clicks the button on the TOTP page, and the code is read from
// the mail a real SMTP server in this process received (STARTTLS required, AUTH), then typed
// into the page. The tenant customised its German TOTP template and the user's locale claim
// is de-DE: the mail must use that template, not the shipped en_US one. The redirect URI is
// a real listener (see callback-server.ts).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, type RegisteredApp } from '../helpers/api.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { useChromium } from '../helpers/e2e-suite.js';
import { inFreshPage, signInWithPassword, submit, submitCode } from '../helpers/chromium-signin.js';
import { startCallbackServer, type CallbackServer } from '../helpers/callback-server.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';
import { TWO_STEP, manualClock } from '../helpers/totp.js';
import { base32Encode, generateSecret } from '../../src/otp/index.js';
import { activateTotpCredential } from '../../src/authn/authenticators/totp/totp-credential.repository.js';

const SMTP_USER = 'gatehouse@mail.test';
const SMTP_PASSWORD = 'smtp-Pa55word-for-tests';
const TEMPLATES = '/api/server/v1/email/template-types/VE9UUA/templates';
const DEFAULT_SUBJECT = 'Here is your time-based one-time passcode (TOTP)';
const GERMAN_SUBJECT = 'Ihr Anmeldecode für {{organization-name}}';
const USER = { userName: 'greta', password: 'gretas long password', email: 'greta@example.com', givenName: 'Greta' };

describe('TOTP code by email in Chromium', () => {
  const chromium = useChromium();

  for (const dialect of DIALECTS) {
    describe(`on ${dialect}`, () => {
      let server: TestServer;
      let rp: CallbackServer;
      let smtp: TestSmtpServer;
      let app: RegisteredApp;
      const clock = manualClock();

      before(async () => {
        [smtp, rp] = await Promise.all([startSmtpServer({ tls: 'starttls', auth: { username: SMTP_USER, password: SMTP_PASSWORD } }), startCallbackServer()]);
        server = await startServer({
          dialect,
          clock,
          overrides: {
            output_adapter: {
              email: {
                hostname: '127.0.0.1', port: smtp.port, from_address: 'no-reply@gatehouse.test', signature: 'Gatehouse Sign-in',
                username: SMTP_USER, password: SMTP_PASSWORD, enable_start_tls: true, enable_authentication: true,
                // The test server's certificate is self-signed; STARTTLS is still required.
                tls_reject_unauthorized: false, timeout_seconds: 5,
              },
            },
          },
        });
        app = await registerApp(server, { name: 'Acme Payroll', sequence: TWO_STEP, redirectUri: rp.redirectUri });
        const params = await api(server, 'PUT', '/api/server/v1/authenticators/totp/parameters', { auth: server.adminAuth, body: { AllowSendingVerificationCodeByEmail: true } });
        assert.equal(params.status, 200, JSON.stringify(params.body));
      });
      after(async () => { await Promise.all([server?.close(), rp?.close(), smtp?.close()]); });

      it('a user without their phone gets the code by email in German, types it and reaches the app with amr email', async () => {
        // The tenant's own German template: added, then changed (the mail must use the change).
        const added = await api(server, 'POST', TEMPLATES, {
          auth: server.adminAuth,
          body: { id: 'de_DE', contentType: 'text/html', subject: 'Ihr Code', body: '<p>Code: {{token}}</p>', footer: '' },
        });
        assert.equal(added.status, 201, JSON.stringify(added.body));
        const replaced = await api(server, 'PUT', `${TEMPLATES}/de_DE`, {
          auth: server.adminAuth,
          body: { contentType: 'text/html', subject: GERMAN_SUBJECT, body: '<p>Hallo {{user.claim.givenname}},</p><p>Ihr Code lautet <b>{{token}}</b>.</p>', footer: '<p>{{organization-name}}</p>' },
        });
        assert.equal(replaced.status, 200, JSON.stringify(replaced.body));

        const created = await api(server, 'POST', '/scim2/Users', {
          auth: server.adminAuth,
          type: 'application/scim+json',
          body: {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: USER.userName, password: USER.password, locale: 'de-DE',
            name: { givenName: USER.givenName, familyName: 'Gruber' },
            emails: [{ value: USER.email, primary: true }],
          },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        // Enrolled earlier on a phone she does not have with her today.
        const enrolled = await activateTotpCredential(server.deps.store.db, {
          tenant_id: server.tenant.id, user_id: created.body.id, secret: server.deps.secrets.seal(base32Encode(generateSecret(20))),
          algorithm: 'SHA1', digits: 6, period: 30, last_used_step: null, created_at: clock.seconds(),
        }, 'first');
        assert.ok(enrolled);

        const auth = await authorizationFor(server, app);
        await inFreshPage(chromium.browser, async (page) => {
          await page.goto(auth.url.href);
          await signInWithPassword(page, USER.userName, USER.password);
          await page.getByLabel('Verification code').waitFor();

          // Asked with the code field empty: the button must not be stopped by the field's validation.
          const asked = await submit(page, rp, 'Get a verification code by email');
          assert.equal(asked.reached, false);
          assert.equal(asked.status, 200, asked.message);
          assert.equal(asked.message, '');
          assert.equal(asked.notice, 'We sent a code to g•••@example.com. It works for 10 minutes, once.');
          assert.match(await page.locator('main').innerText(), /or the code we emailed to g•••@example\.com/);

          const [mail] = await smtp.waitForMessages(1);
          assert.ok(mail);
          assert.equal(smtp.messages.length, 1, 'one mail');
          assert.deepEqual(mail.to, [USER.email]);
          assert.equal(mail.parsed.subject, 'Ihr Anmeldecode für Gatehouse', 'the tenant\'s German subject, as last saved');
          assert.notEqual(mail.parsed.subject, DEFAULT_SUBJECT, 'not the shipped en_US template');
          assert.match(mail.parsed.text ?? '', /Hallo Greta,/);
          assert.match(String(mail.parsed.html), /Ihr Code lautet <b>\d{6}<\/b>/);
          assert.equal(mail.secure, true, 'the session was encrypted (STARTTLS) when the mail was sent');
          assert.equal(mail.user, SMTP_USER, 'the session was authenticated');
          const kinds = smtp.events.filter((e) => e.event !== 'connect').map((e) => e.event);
          assert.deepEqual(kinds.slice(0, 2), ['secure', 'auth'], 'TLS before AUTH');
          assert.equal(smtp.events.find((e) => e.event === 'auth')?.secure, true, 'the password went over TLS');
          const code = /Ihr Code lautet (\d{6})\./.exec(mail.parsed.text ?? '')?.[1];
          assert.ok(code, `a code in: ${mail.parsed.text}`);

          const done = await submitCode(page, rp, code);
          assert.ok(done.reached, `the emailed code was refused (${done.status}): ${done.message}`);
          assert.deepEqual(rp.received(), [done.url]);

          const tokens = await auth.exchange(done.url);
          const amr = tokens.claims()!.amr as string[];
          assert.ok(amr.includes('email'), `amr ${JSON.stringify(amr)} has email`);
          assert.ok(amr.includes('pwd'), `amr ${JSON.stringify(amr)} has pwd`);
          assert.ok(!amr.includes('otp'), `amr ${JSON.stringify(amr)} must not claim otp: the phone was not used`);
          assert.deepEqual([...amr].sort(), ['email', 'mfa', 'pwd']);
        });
      });
    });
  }
});
