// A real SMTP server on loopback for tests (smtp-server + mailparser), recording what each
// session did and in which order: TLS, AUTH (and whether the session was encrypted then),
// and the parsed messages. Certificates are made at run time with the openssl CLI: a
// throw-away self-signed key and certificate for CN=localhost, valid one day.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface TestCertificate { key: string; cert: string }

let cached: TestCertificate | undefined;

/** A self-signed certificate for localhost and 127.0.0.1 (made once per test process). */
export function testCertificate(): TestCertificate {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-smtp-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The session was encrypted when the message was sent. */
  secure: boolean;
  /** The AUTH user of the session, if any. */
  user?: string;
  parsed: ParsedMail;
}

export interface SmtpEvent {
  session: string;
  event: 'connect' | 'secure' | 'auth' | 'auth-refused' | 'mail';
  /** For auth events: whether the session was encrypted at that moment. */
  secure?: boolean;
  username?: string;
  password?: string;
}

export interface TestSmtpOptions {
  /** 'starttls' (default): plain, STARTTLS offered; 'none': no STARTTLS at all, AUTH offered in clear; 'implicit': TLS on connect. */
  tls?: 'starttls' | 'none' | 'implicit';
  /** Accepted credentials; omit for a server without AUTH. */
  auth?: { username: string; password: string };
  /** Every AUTH attempt is refused with 535. */
  refuseAuth?: boolean;
  /** Held before the 220 greeting (on top of smtp-server's own ~100 ms early-talker wait). */
  greetingDelayMs?: number;
}

export interface TestSmtpServer {
  port: number;
  messages: ReceivedMail[];
  events: SmtpEvent[];
  /** Resolves with the next message once `messages` has more than `count` entries. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const mode = options.tls ?? 'starttls';
  const messages: ReceivedMail[] = [];
  const events: SmtpEvent[] = [];
  const waiters: Array<() => void> = [];
  const pending = new Set<NodeJS.Timeout>();
  const notify = () => waiters.splice(0).forEach((w) => w());
  const cert = mode === 'none' ? undefined : testCertificate();
  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: mode === 'implicit',
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    ...(mode === 'none' ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : {}),
    authOptional: !options.auth && !options.refuseAuth,
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 50,
    onConnect(session, callback) {
      events.push({ session: session.id, event: 'connect' });
      if (!options.greetingDelayMs) return callback();
      const timer = setTimeout(() => { pending.delete(timer); callback(); }, options.greetingDelayMs);
      pending.add(timer);
    },
    onSecure(_socket, session, callback) {
      events.push({ session: session.id, event: 'secure' });
      callback();
    },
    onAuth(auth, session, callback) {
      const record = { session: session.id, secure: session.secure, username: auth.username ?? undefined, password: auth.password ?? undefined };
      if (options.refuseAuth || !options.auth || auth.username !== options.auth.username || auth.password !== options.auth.password) {
        events.push({ ...record, event: 'auth-refused' });
        return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      }
      events.push({ ...record, event: 'auth' });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((parsed) => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          parsed,
        });
        events.push({ session: session.id, event: 'mail', secure: session.secure });
        callback();
        notify();
      }, (err: Error) => callback(err));
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => { /* a client that hangs up mid-session is not a test failure */ });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    events,
    async waitForMessages(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s), got ${messages.length}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => {
      for (const timer of pending) clearTimeout(timer);
      server.close(() => resolve());
    }),
  };
}
