// Email delivery through a real SMTP server in this process: the server-wide SMTP settings
// (STARTTLS required, AUTH, implicit TLS, plain), and every way a send can fail — no
// STARTTLS, bad certificate, refused AUTH, nothing listening, a server too slow to greet —
// each an outcome within timeout_seconds, with the SMTP reply logged and the password and
// body never logged. With no SMTP configured, mail goes to the development outbox.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startServer, freePort, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { startSmtpServer, type TestSmtpServer, type TestSmtpOptions } from '../helpers/smtp-server.js';
import { api } from '../helpers/api.js';
import { createLogger } from '../../src/logger.js';
import { sendEmail, type SendResult } from '../../src/notifications/mailer.js';

const USER = 'mailer@example.com';
const PASSWORD = 'smtp-Secret-p4ssword';
const CODE = '493817';
const OUTBOX = '/api/server/v1/notification-senders/email/outbox';

const message = (to = 'alice@example.com') => ({
  to,
  subject: 'Your sign-in code',
  text: `Your code is ${CODE}.`,
  html: `<p>Your code is <b>${CODE}</b>.</p>`,
});

/** Everything the server logs from now on, as text. */
function captureLogs(server: TestServer): () => string {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  server.deps.logger = createLogger('trace', sink);
  return () => lines.join('');
}

interface Setup { server: TestServer; smtp: TestSmtpServer }

async function withSmtp(smtpOptions: TestSmtpOptions, email: Record<string, unknown>): Promise<Setup> {
  const smtp = await startSmtpServer(smtpOptions);
  const server = await startServer({
    overrides: {
      output_adapter: {
        email: {
          hostname: '127.0.0.1', port: smtp.port, from_address: 'no-reply@gatehouse.test', signature: 'Gatehouse Sign-in',
          username: USER, password: PASSWORD, tls_reject_unauthorized: false, timeout_seconds: 2, ...email,
        },
      },
    },
  });
  return { server, smtp };
}

const closeAll = async (setup: Setup) => { await setup.server.close(); await setup.smtp.close(); };

function assertFailed(result: SendResult, reason: string): asserts result is Extract<SendResult, { ok: false }> {
  assert.equal(result.ok, false, JSON.stringify(result));
  assert.equal((result as { reason: string }).reason, reason, JSON.stringify(result));
}

describe('email through the server-wide SMTP server', () => {
  test('STARTTLS is negotiated before AUTH, and the mail arrives with its From name, subject and both parts', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, {});
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.delivery, 'server');
      const [mail] = await setup.smtp.waitForMessages(1);
      assert.ok(mail);
      assert.equal(mail.secure, true, 'the session was encrypted when the message was sent');
      assert.equal(mail.user, USER);
      assert.deepEqual(mail.to, ['alice@example.com']);
      assert.equal(mail.from, 'no-reply@gatehouse.test');
      assert.equal(mail.parsed.from?.value[0]?.name, 'Gatehouse Sign-in');
      assert.equal(mail.parsed.subject, 'Your sign-in code');
      assert.match(mail.parsed.text ?? '', new RegExp(CODE));
      assert.match(String(mail.parsed.html), /<b>493817<\/b>/);
      assert.equal(mail.parsed.messageId, result.ok ? result.messageId : '');
      // Order within the session: TLS first, then AUTH on the encrypted session.
      const kinds = setup.smtp.events.filter((e) => e.event !== 'connect').map((e) => e.event);
      assert.deepEqual(kinds.slice(0, 2), ['secure', 'auth']);
      const auth = setup.smtp.events.find((e) => e.event === 'auth');
      assert.equal(auth?.secure, true, 'AUTH happened only on the encrypted session');
    } finally { await closeAll(setup); }
  });

  test('pooled: several mails share one SMTP connection (no greeting wait per mail)', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, {});
    try {
      for (let i = 0; i < 3; i++) {
        const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message(`user${i}@example.com`));
        assert.equal(result.ok, true, JSON.stringify(result));
      }
      await setup.smtp.waitForMessages(3);
      assert.equal(setup.smtp.events.filter((e) => e.event === 'connect').length, 1);
    } finally { await closeAll(setup); }
  });

  test('implicit TLS (tls_on_connect, the port 465 style) encrypts from the first byte', async () => {
    const setup = await withSmtp({ tls: 'implicit', auth: { username: USER, password: PASSWORD } }, { tls_on_connect: true });
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assert.equal(result.ok, true, JSON.stringify(result));
      const [mail] = await setup.smtp.waitForMessages(1);
      assert.equal(mail?.secure, true);
      assert.equal(setup.smtp.events.find((e) => e.event === 'auth')?.secure, true);
    } finally { await closeAll(setup); }
  });

  test('enable_start_tls = false with enable_authentication = false sends plain SMTP to a relay', async () => {
    const setup = await withSmtp({ tls: 'none' }, { enable_start_tls: false, enable_authentication: false });
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assert.equal(result.ok, true, JSON.stringify(result));
      const [mail] = await setup.smtp.waitForMessages(1);
      assert.equal(mail?.secure, false);
      assert.equal(setup.smtp.events.some((e) => e.event === 'auth' || e.event === 'auth-refused'), false);
    } finally { await closeAll(setup); }
  });
});

describe('email failures are outcomes, reported within the timeout', () => {
  test('a server without STARTTLS while enable_start_tls = true: the send fails, no AUTH, nothing sent', async () => {
    const setup = await withSmtp({ tls: 'none', auth: { username: USER, password: PASSWORD } }, {});
    const logs = captureLogs(setup.server);
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assertFailed(result, 'tls_unavailable');
      assert.match(result.message, /does not offer STARTTLS/);
      assert.ok(result.smtpResponse, 'the server\'s reply to STARTTLS is reported');
      assert.equal(setup.smtp.events.some((e) => e.event === 'auth' || e.event === 'auth-refused'), false, 'the password never went out in clear');
      assert.equal(setup.smtp.messages.length, 0);
      assert.match(logs(), /"reason":"tls_unavailable"/);
    } finally { await closeAll(setup); }
  });

  test('a certificate that does not verify (tls_reject_unauthorized = true): fails before AUTH', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, { tls_reject_unauthorized: true });
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assertFailed(result, 'tls_failed');
      assert.match(result.message, /certificate/i);
      assert.match(result.message, /SELF_SIGNED/);
      assert.equal(setup.smtp.events.some((e) => e.event === 'auth' || e.event === 'auth-refused'), false);
      assert.equal(setup.smtp.messages.length, 0);
    } finally { await closeAll(setup); }
  });

  test('tls_on_connect against a STARTTLS port: tls_failed that names the setting to check', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, { tls_on_connect: true });
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assertFailed(result, 'tls_failed');
      assert.match(result.message, /tls_on_connect/);
      assert.equal(setup.smtp.messages.length, 0);
    } finally { await closeAll(setup); }
  });

  test('refused AUTH: auth_failed with the server\'s 535 reply, logged without the password', async () => {
    const setup = await withSmtp({ tls: 'starttls', refuseAuth: true }, {});
    const logs = captureLogs(setup.server);
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      assertFailed(result, 'auth_failed');
      assert.match(result.smtpResponse ?? '', /^535/);
      assert.equal(setup.smtp.messages.length, 0);
      const text = logs();
      assert.match(text, /"event":"email_send_failed"/);
      assert.match(text, /535/, 'the SMTP reply is logged');
      assert.doesNotMatch(text, new RegExp(PASSWORD), 'the password is never logged');
      assert.doesNotMatch(text, new RegExp(CODE), 'the body (it holds codes) is never logged');
    } finally { await closeAll(setup); }
  });

  test('nothing listening on the port: connection_failed at once', async () => {
    const port = await freePort();
    const server = await startServer({ overrides: { output_adapter: { email: { hostname: '127.0.0.1', port, username: USER, password: PASSWORD, timeout_seconds: 2 } } } });
    try {
      const started = Date.now();
      const result = await sendEmail(server.deps, server.tenant.id, message());
      assertFailed(result, 'connection_failed');
      assert.ok(Date.now() - started < 2000);
    } finally { await server.close(); }
  });

  test('a server that does not greet within timeout_seconds: timeout, answered in about timeout_seconds', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD }, greetingDelayMs: 5000 }, { timeout_seconds: 1 });
    try {
      const started = Date.now();
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, message());
      const elapsed = Date.now() - started;
      assertFailed(result, 'timeout');
      assert.ok(elapsed >= 900 && elapsed < 2000, `answered after ${elapsed} ms`);
      assert.equal(setup.smtp.messages.length, 0);
    } finally { await closeAll(setup); }
  });

  test('an invalid recipient (two addresses in one) is refused without contacting the server', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, {});
    try {
      for (const to of ['alice@example.com, mallory@evil.example', 'alice@example.com\r\nBcc: mallory@evil.example', 'not-an-address', '<alice@example.com>']) {
        assertFailed(await sendEmail(setup.server.deps, setup.server.tenant.id, message(to)), 'invalid_recipient');
      }
      assert.equal(setup.smtp.events.length, 0);
    } finally { await closeAll(setup); }
  });

  test('a subject with CR/LF cannot add headers', async () => {
    const setup = await withSmtp({ tls: 'starttls', auth: { username: USER, password: PASSWORD } }, {});
    try {
      const result = await sendEmail(setup.server.deps, setup.server.tenant.id, { ...message(), subject: 'Hello\r\nBcc: mallory@evil.example' });
      assert.equal(result.ok, true, JSON.stringify(result));
      const [mail] = await setup.smtp.waitForMessages(1);
      assert.deepEqual(mail?.to, ['alice@example.com']);
      assert.equal(mail?.parsed.bcc, undefined);
      assert.equal(mail?.parsed.subject, 'Hello Bcc: mallory@evil.example');
    } finally { await closeAll(setup); }
  });
});

for (const dialect of DIALECTS) {
  describe(`the development outbox, no SMTP configured (${dialect})`, () => {
    let server: TestServer;
    let now = Date.parse('2026-11-27T10:00:00Z');
    before(async () => {
      server = await startServer({ dialect, clock: { now: () => new Date(now) }, overrides: { output_adapter: { email: { outbox_max_messages: 3, outbox_retention_minutes: 60 } } } });
    });
    after(() => server.close());

    test('mail is stored and readable by an administrator, newest first', async () => {
      const result = await sendEmail(server.deps, server.tenant.id, message('bob@example.com'));
      assert.equal(result.ok, true);
      assert.equal(result.delivery, 'outbox');
      const res = await api(server, 'GET', `${OUTBOX}?to=BOB@example.com`, { auth: server.adminAuth });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.count, 1);
      const [stored] = res.body.messages;
      assert.equal(stored.id, result.ok ? result.messageId : '');
      assert.equal(stored.to, 'bob@example.com');
      assert.equal(stored.subject, 'Your sign-in code');
      assert.match(stored.text, new RegExp(CODE));
      assert.match(stored.html, /<b>493817<\/b>/);
      assert.equal(stored.createdAt, new Date(now).toISOString());
    });

    test('keeps only the newest outbox_max_messages per tenant', async () => {
      for (let i = 1; i <= 5; i++) {
        now += 1;
        await sendEmail(server.deps, server.tenant.id, { ...message('carol@example.com'), subject: `mail ${i}` });
      }
      const res = await api(server, 'GET', OUTBOX, { auth: server.adminAuth });
      assert.deepEqual(res.body.messages.map((m: { subject: string }) => m.subject), ['mail 5', 'mail 4', 'mail 3']);
    });

    test('messages older than outbox_retention_minutes are gone', async () => {
      now += 61 * 60_000;
      const res = await api(server, 'GET', OUTBOX, { auth: server.adminAuth });
      assert.equal(res.status, 200);
      assert.equal(res.body.count, 0);
      const rows = await server.deps.store.db.selectFrom('email_outbox').select('id').where('tenant_id', '=', server.tenant.id).execute();
      assert.equal(rows.length, 0, 'expired messages are deleted, not only hidden');
    });

    test('an administrator can empty the outbox', async () => {
      await sendEmail(server.deps, server.tenant.id, message());
      assert.equal((await api(server, 'DELETE', OUTBOX, { auth: server.adminAuth })).status, 204);
      assert.equal((await api(server, 'GET', OUTBOX, { auth: server.adminAuth })).body.count, 0);
    });

    test('the outbox needs credentials', async () => {
      assert.equal((await api(server, 'GET', OUTBOX)).status, 401);
    });
  });
}
