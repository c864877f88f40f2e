// /api/server/v1/notification-senders/email: a tenant's own SMTP sender (WSO2's body), its
// write-only sealed password, the host check that keeps tenants off internal addresses (on
// save and on every send), the test send, and tenant isolation of senders and outboxes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startServer, basicAuth, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';
import { api, createScimUser } from '../helpers/api.js';
import { createLogger } from '../../src/logger.js';
import { sendEmail } from '../../src/notifications/mailer.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';

const SENDERS = '/api/server/v1/notification-senders/email';
const SENDER = `${SENDERS}/EmailPublisher`;
const OUTBOX = `${SENDERS}/outbox`;
const TEST = `${SENDERS}/test`;
const ACME = '/t/acme.com';
const OWNER = { username: 'owner', password: 'owner-Passw0rd!' };
const SERVER_SMTP = { username: 'server-mailer', password: 'server-Smtp-secret-1' };
const TENANT_SMTP = { username: 'tenant-mailer', password: 'tenant-Smtp-secret-2' };

function captureLogs(server: TestServer): () => string {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  server.deps.logger = createLogger('trace', sink);
  return () => lines.join('');
}

const senderBody = (port: number, extra: Record<string, unknown> = {}) => ({
  smtpServerHost: '127.0.0.1',
  smtpPort: port,
  fromAddress: 'sign-in@tenant.example',
  userName: TENANT_SMTP.username,
  password: TENANT_SMTP.password,
  properties: [{ key: 'mail.smtp.signature', value: 'Tenant Sign-in' }, { key: 'mail.smtp.replyTo', value: 'help@tenant.example' }],
  ...extra,
});

async function createAcme(server: TestServer): Promise<string> {
  const created = await api(server, 'POST', '/api/server/v1/tenants', {
    auth: server.adminAuth,
    body: { domain: 'acme.com', owner: { ...OWNER, email: 'owner@acme.com' } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return basicAuth(OWNER.username, OWNER.password);
}

for (const dialect of DIALECTS) {
  describe(`a tenant's own email sender (${dialect})`, () => {
    let server: TestServer;
    let serverWide: TestSmtpServer;
    let tenantSmtp: TestSmtpServer;
    let acmeAuth: string;
    let logs: () => string;

    before(async () => {
      serverWide = await startSmtpServer({ tls: 'starttls', auth: SERVER_SMTP });
      tenantSmtp = await startSmtpServer({ tls: 'starttls', auth: TENANT_SMTP });
      server = await startServer({
        dialect,
        overrides: {
          output_adapter: {
            email: {
              hostname: '127.0.0.1', port: serverWide.port, from_address: 'no-reply@server.example', ...SERVER_SMTP,
              allow_private_hosts: true, tls_reject_unauthorized: false, timeout_seconds: 3,
            },
          },
        },
      });
      acmeAuth = await createAcme(server);
      logs = captureLogs(server);
    });
    after(async () => {
      await server.close();
      await serverWide.close();
      await tenantSmtp.close();
    });

    test('without a sender of its own, the tenant lists none and mail goes through the server-wide SMTP server', async () => {
      const list = await api(server, 'GET', SENDERS, { auth: server.adminAuth });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, []);
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.ok, true, JSON.stringify(sent.body));
      assert.equal(sent.body.delivery, 'server');
      const [mail] = await serverWide.waitForMessages(1);
      assert.equal(mail?.user, SERVER_SMTP.username);
      assert.deepEqual(mail?.to, ['admin@example.com']);
    });

    test('POST creates the sender; the password is write-only and sealed at rest', async () => {
      const created = await api(server, 'POST', SENDERS, { auth: server.adminAuth, body: senderBody(tenantSmtp.port) });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.headers.get('location'), `${server.url}${SENDER}`);
      assert.equal(created.body.name, 'EmailPublisher');
      assert.equal(created.body.smtpServerHost, '127.0.0.1');
      assert.equal(created.body.passwordSet, true);
      assert.equal('password' in created.body, false);
      for (const res of [created, await api(server, 'GET', SENDER, { auth: server.adminAuth }), await api(server, 'GET', SENDERS, { auth: server.adminAuth })]) {
        assert.equal(res.status, 200 + (res === created ? 1 : 0));
        assert.doesNotMatch(JSON.stringify(res.body), new RegExp(TENANT_SMTP.password));
      }
      const row = await server.deps.store.db.selectFrom('email_sender').selectAll().where('tenant_id', '=', server.tenant.id).executeTakeFirstOrThrow();
      assert.match(row.password ?? '', /^v1\./);
      assert.doesNotMatch(row.password ?? '', new RegExp(TENANT_SMTP.password));
      assert.equal(server.deps.secrets.open(row.password!), TENANT_SMTP.password);
    });

    test('a second POST is a conflict; an unknown sender name is 404', async () => {
      const again = await api(server, 'POST', SENDERS, { auth: server.adminAuth, body: senderBody(tenantSmtp.port) });
      assert.equal(again.status, 409);
      assert.equal((await api(server, 'GET', `${SENDERS}/SomethingElse`, { auth: server.adminAuth })).status, 404);
    });

    test('the tenant\'s sender wins over the server-wide one, with its From name and Reply-To', async () => {
      const before = serverWide.messages.length;
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.body.ok, true, JSON.stringify(sent.body));
      assert.equal(sent.body.delivery, 'tenant');
      const [mail] = await tenantSmtp.waitForMessages(1);
      assert.equal(mail?.user, TENANT_SMTP.username);
      assert.equal(mail?.secure, true);
      assert.equal(mail?.from, 'sign-in@tenant.example');
      assert.equal(mail?.parsed.from?.value[0]?.name, 'Tenant Sign-in');
      assert.equal(mail?.parsed.replyTo?.value[0]?.address, 'help@tenant.example');
      assert.equal(mail?.parsed.subject, 'Gatehouse test email');
      assert.equal(serverWide.messages.length, before);
    });

    test('another tenant sees no sender, cannot touch this one, and still uses the server-wide SMTP server', async () => {
      assert.deepEqual((await api(server, 'GET', `${ACME}${SENDERS}`, { auth: acmeAuth })).body, []);
      assert.equal((await api(server, 'GET', `${ACME}${SENDER}`, { auth: acmeAuth })).status, 404);
      assert.equal((await api(server, 'DELETE', `${ACME}${SENDER}`, { auth: acmeAuth })).status, 404);
      // acme's owner, naming their tenant, against carbon.super's paths: refused, never carbon's data.
      const acmeNamed = basicAuth(`${OWNER.username}@acme.com`, OWNER.password);
      for (const [method, path] of [['GET', SENDERS], ['GET', SENDER], ['PUT', SENDER], ['DELETE', SENDER], ['GET', OUTBOX], ['POST', TEST]] as const) {
        const res = await api(server, method, path, { auth: acmeNamed, ...(method === 'PUT' ? { body: senderBody(1) } : method === 'POST' ? { body: { to: 'x@acme.example' } } : {}) });
        assert.equal(res.status, 403, `${method} ${path}`);
      }
      const before = serverWide.messages.length;
      const sent = await api(server, 'POST', `${ACME}${TEST}`, { auth: acmeAuth, body: { to: 'owner@acme.com' } });
      assert.equal(sent.body.delivery, 'server', JSON.stringify(sent.body));
      await serverWide.waitForMessages(before + 1);
      assert.match(serverWide.messages.at(-1)?.parsed.text ?? '', /acme\.com/);
    });

    test('PUT without a password keeps it while host, port, user and TLS stay; otherwise the password must be sent again', async () => {
      const kept = await api(server, 'PUT', SENDER, { auth: server.adminAuth, body: senderBody(tenantSmtp.port, { password: undefined, fromAddress: 'login@tenant.example' }) });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      assert.equal(kept.body.fromAddress, 'login@tenant.example');
      assert.equal(kept.body.passwordSet, true);
      const before = tenantSmtp.messages.length;
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.body.ok, true, JSON.stringify(sent.body));
      const mails = await tenantSmtp.waitForMessages(before + 1);
      assert.equal(mails.at(-1)?.from, 'login@tenant.example');

      for (const change of [{ smtpPort: serverWide.port }, { userName: 'someone-else' }, { properties: [{ key: 'enable_start_tls', value: 'false' }] }]) {
        const moved = await api(server, 'PUT', SENDER, { auth: server.adminAuth, body: { ...senderBody(tenantSmtp.port), password: undefined, ...change } });
        assert.equal(moved.status, 400, JSON.stringify(change));
        assert.match(moved.body.message, /password is required again/);
      }
      // Nothing was sent to the other port in the attempt.
      assert.equal(serverWide.events.filter((e) => e.username === TENANT_SMTP.username).length, 0);
    });

    test('a host name is resolved, checked and connected to (localhost, allowed here)', async () => {
      const res = await api(server, 'PUT', SENDER, { auth: server.adminAuth, body: senderBody(tenantSmtp.port, { smtpServerHost: 'localhost' }) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const before = tenantSmtp.messages.length;
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.body.ok, true, JSON.stringify(sent.body));
      await tenantSmtp.waitForMessages(before + 1);
    });

    test('a wrong tenant password reports auth_failed from the test send, with the SMTP reply', async () => {
      const res = await api(server, 'PUT', SENDER, { auth: server.adminAuth, body: senderBody(tenantSmtp.port, { password: 'wrong-password' }) });
      assert.equal(res.status, 200);
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.status, 200);
      assert.equal(sent.body.ok, false);
      assert.equal(sent.body.reason, 'auth_failed');
      assert.match(sent.body.smtpResponse, /^535/);
      assert.equal((await api(server, 'PUT', SENDER, { auth: server.adminAuth, body: senderBody(tenantSmtp.port) })).status, 200);
    });

    test('validation errors are 400s that name the field, never 500s', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ ...senderBody(25), smtpServerHost: '' }, /smtpServerHost is required/],
        [{ ...senderBody(25), smtpServerHost: 'smtp://mail.example.com:25' }, /smtpServerHost must be a host name/],
        // Digits, dots and a colon once passed for an IPv6 literal.
        [{ ...senderBody(25), smtpServerHost: '203.0.113.7:2525' }, /smtpServerHost must be a host name/],
        [{ ...senderBody(25), smtpPort: 0 }, /smtpPort/],
        [{ ...senderBody(25), smtpPort: '587' }, /smtpPort/],
        [{ ...senderBody(25), fromAddress: 'a@b.example, c@d.example' }, /fromAddress/],
        [{ ...senderBody(25), fromAddress: 'x@y.example\r\nBcc: z@evil.example' }, /fromAddress/],
        [{ ...senderBody(25), userName: '' }, /userName is required/],
        [{ ...senderBody(25), password: undefined }, /password is required/],
        [{ ...senderBody(25), properties: [{ key: 'mail.smtp.host', value: 'x' }] }, /unknown property "mail\.smtp\.host"/],
        [{ ...senderBody(25), properties: [{ key: 'enable_start_tls', value: 'yes' }] }, /enable_start_tls must be "true" or "false"/],
        [{ ...senderBody(25), properties: 'x' }, /properties must be a list/],
        [{ ...senderBody(25), name: 'Other' }, /name must be "EmailPublisher"/],
        ['just a string', /the body must be a JSON object/],
        [[1, 2], /the body must be a JSON object/],
        [null, /smtpServerHost/],
      ];
      for (const [body, message] of cases) {
        await api(server, 'DELETE', `${ACME}${SENDER}`, { auth: acmeAuth });
        // Strings go out as they are: send every case as JSON text.
        const res = await api(server, 'POST', `${ACME}${SENDERS}`, { auth: acmeAuth, body: JSON.stringify(body) });
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, message, JSON.stringify(body));
      }
      const noAuth = await api(server, 'POST', `${ACME}${SENDERS}`, {
        auth: acmeAuth,
        body: { smtpServerHost: '127.0.0.1', smtpPort: tenantSmtp.port, fromAddress: 'a@acme.example', properties: [{ key: 'enable_authentication', value: 'false' }] },
      });
      assert.equal(noAuth.status, 201, 'a sender without AUTH needs no user name or password');
      assert.equal(noAuth.body.passwordSet, false);
      assert.equal((await api(server, 'DELETE', `${ACME}${SENDER}`, { auth: acmeAuth })).status, 204);
      const badTest = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'a@b.example, c@d.example' } });
      assert.equal(badTest.status, 400);
    });

    test('a user who is not an administrator gets 403', async () => {
      await createScimUser(server, { userName: 'plain-user', password: 'plain-Passw0rd!' });
      const auth = basicAuth('plain-user', 'plain-Passw0rd!');
      for (const [method, path] of [['GET', SENDERS], ['POST', SENDERS], ['GET', OUTBOX], ['POST', TEST], ['DELETE', SENDER]] as const) {
        assert.equal((await api(server, method, path, { auth, ...(method === 'POST' ? { body: {} } : {}) })).status, 403, `${method} ${path}`);
      }
    });

    test('DELETE removes the sender; mail falls back to the server-wide SMTP server', async () => {
      assert.equal((await api(server, 'DELETE', SENDER, { auth: server.adminAuth })).status, 204);
      assert.equal((await api(server, 'GET', SENDER, { auth: server.adminAuth })).status, 404);
      assert.equal((await api(server, 'DELETE', SENDER, { auth: server.adminAuth })).status, 404);
      const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
      assert.equal(sent.body.delivery, 'server', JSON.stringify(sent.body));
    });

    test('no SMTP password ever reached the logs', () => {
      const text = logs();
      assert.match(text, /email_sender_created/);
      assert.match(text, /email_send_failed/);
      for (const secret of [TENANT_SMTP.password, SERVER_SMTP.password, 'wrong-password']) assert.doesNotMatch(text, new RegExp(secret), secret);
    });
  });
}

describe('tenant senders may not reach internal addresses (allow_private_hosts = false)', () => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let acmeAuth: string;
  before(async () => {
    smtp = await startSmtpServer({ tls: 'starttls', auth: TENANT_SMTP });
    server = await startServer({ overrides: { output_adapter: { email: { tls_reject_unauthorized: false, timeout_seconds: 2 } } } });
    acmeAuth = await createAcme(server);
  });
  after(async () => { await server.close(); await smtp.close(); });

  test('a host that is or resolves to loopback, link-local, private or unspecified is refused with 400', async () => {
    const hosts = ['127.0.0.1', 'localhost', '127.1', '2130706433', '::1', '[::1]', '::ffff:127.0.0.1', '[::ffff:7f00:1]', '169.254.169.254', '10.0.0.5', '172.20.1.1', '192.168.0.10', '0.0.0.0', 'fd00::25', 'fe80::1'];
    for (const host of hosts) {
      const res = await api(server, 'POST', SENDERS, { auth: server.adminAuth, body: { ...senderBody(smtp.port), smtpServerHost: host } });
      assert.equal(res.status, 400, `${host} → ${res.status}`);
      assert.match(res.body.message, /loopback, link-local, private or other internal address/, host);
      assert.match(res.body.message, /allow_private_hosts/, host);
    }
    assert.deepEqual((await api(server, 'GET', SENDERS, { auth: server.adminAuth })).body, []);
    assert.equal(smtp.events.length, 0, 'nothing connected to the internal server');
  });

  test('a host that does not resolve is a 400 too', async () => {
    const res = await api(server, 'POST', SENDERS, { auth: server.adminAuth, body: { ...senderBody(smtp.port), smtpServerHost: 'no-such-host.invalid' } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /does not resolve/);
  });

  test('checked again at send time: a stored sender that now points inside is refused, nothing connects', async () => {
    // As if the name resolved to a public address when saved and to loopback now.
    await server.deps.store.db.insertInto('email_sender').values({
      tenant_id: server.tenant.id, name: 'EmailPublisher', smtp_host: '127.0.0.1', smtp_port: smtp.port,
      from_address: 'x@tenant.example', username: TENANT_SMTP.username, password: server.deps.secrets.seal(TENANT_SMTP.password),
      properties: '{}', created_at: 0, updated_at: 0,
    }).execute();
    const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
    assert.equal(sent.status, 200);
    assert.equal(sent.body.ok, false);
    assert.equal(sent.body.reason, 'host_not_allowed');
    assert.equal(sent.body.delivery, 'tenant');
    assert.equal(smtp.events.length, 0);
    await server.deps.store.db.deleteFrom('email_sender').where('tenant_id', '=', server.tenant.id).execute();
  });

  test('a stored password that no longer decrypts (encryption key changed) is a failed send, not a 500', async () => {
    await server.deps.store.db.insertInto('email_sender').values({
      tenant_id: server.tenant.id, name: 'EmailPublisher', smtp_host: 'smtp.example.com', smtp_port: 587,
      from_address: 'x@tenant.example', username: 'u', password: createSecretBox(Buffer.alloc(32, 9)).seal('under another key'),
      properties: '{}', created_at: 0, updated_at: 0,
    }).execute();
    const sent = await api(server, 'POST', TEST, { auth: server.adminAuth, body: { to: 'admin@example.com' } });
    assert.equal(sent.status, 200);
    assert.deepEqual([sent.body.ok, sent.body.reason], [false, 'smtp_error']);
    assert.match(sent.body.message, /cannot be decrypted/);
    await server.deps.store.db.deleteFrom('email_sender').where('tenant_id', '=', server.tenant.id).execute();
  });

  test('each tenant reads only its own outbox', async () => {
    const carbon = await sendEmail(server.deps, server.tenant.id, { to: 'alice@carbon.example', subject: 'carbon mail', text: 'code 111111' });
    const acme = await api(server, 'POST', `${ACME}${TEST}`, { auth: acmeAuth, body: { to: 'alice@acme.example' } });
    assert.equal(carbon.delivery, 'outbox');
    assert.equal(acme.body.delivery, 'outbox', JSON.stringify(acme.body));
    const carbonBox = await api(server, 'GET', OUTBOX, { auth: server.adminAuth });
    const acmeBox = await api(server, 'GET', `${ACME}${OUTBOX}`, { auth: acmeAuth });
    assert.deepEqual(carbonBox.body.messages.map((m: { to: string }) => m.to), ['alice@carbon.example']);
    assert.deepEqual(acmeBox.body.messages.map((m: { to: string }) => m.to), ['alice@acme.example']);
    assert.equal((await api(server, 'DELETE', `${ACME}${OUTBOX}`, { auth: acmeAuth })).status, 204);
    assert.equal((await api(server, 'GET', OUTBOX, { auth: server.adminAuth })).body.count, 1, 'emptying acme\'s outbox left carbon.super\'s alone');
  });
});
