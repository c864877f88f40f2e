// "Get a verification code by email" on the TOTP page (issue 4, acceptance 1 and 2 as they
// concern the page), over HTTP against the real server. Where the SMTP server is not the
// point, mail goes to the development outbox and the test reads it through the admin API;
// the failure modes (no STARTTLS, nothing listening, AUTH refused, a server too slow to greet
// or slow at every reply) and the "the code is never stored or logged" scan use a real SMTP
// server in this process, where the outbox cannot hold the code. Each test names the protection it relies on and fails
// when that protection is taken out. Clients get their own X-Forwarded-For address
// (trust_proxy) so the per-IP limit of one test does not leak into the next.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { startServer, freePort, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { startSmtpServer, type TestSmtpServer, type TestSmtpOptions } from '../helpers/smtp-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { exchange } from '../helpers/oidc-authorize.js';
import { TWO_STEP, manualClock, codeAt, secretFromPage, startTwoStep } from '../helpers/totp.js';
import { createLogger } from '../../src/logger.js';
import { base32Encode, generateSecret } from '../../src/otp/index.js';
import { activateTotpCredential } from '../../src/authn/authenticators/totp/totp-credential.repository.js';

const SEND_FAILED = 'We could not send the email. Try again or use your authenticator app.';
const NOT_AVAILABLE = 'Getting a code by email is not available here. Use your authenticator app.';
const NOT_CORRECT = /^That code is not correct\./;
const LOCKED = /^Too many incorrect codes/;
const OUTBOX = '/api/server/v1/notification-senders/email/outbox';
const PARAMETERS = '/api/server/v1/authenticators/totp/parameters';
const SMTP_USER = 'gatehouse@mail.test';
const SMTP_PASSWORD = 'smtp-Pa55word-for-tests';
const TOTP = 'totp';

type TestClock = ReturnType<typeof manualClock>;

// ---------------------------------------------------------------------------------------
// Helpers

/** A browser behind a proxy that reports `ip` as the client (the server trusts the proxy); it may move. */
class ClientAt extends HttpBrowser {
  constructor(public ip: string) { super(); }

  override request(url: string, init: Parameters<HttpBrowser['request']>[1] = {}): Promise<Response> {
    return super.request(url, { ...init, headers: { 'x-forwarded-for': this.ip, ...init.headers } });
  }
}

interface Person { id: string; username: string; password: string; email?: string; secret: string }

/** A user with an email address (unless `email: false`) and, unless `enrolled: false`, an active TOTP secret the test knows. */
async function newPerson(server: TestServer, clock: TestClock, username: string, opts: { email?: boolean; enrolled?: boolean } = {}): Promise<Person> {
  const password = `${username}-password-1`;
  const email = opts.email === false ? undefined : `${username}@example.com`;
  const created = await createScimUser(server, { userName: username, password, ...(email ? { email } : {}) });
  let secret = '';
  if (opts.enrolled !== false) {
    secret = base32Encode(generateSecret(20));
    const stored = await activateTotpCredential(server.deps.store.db, {
      tenant_id: server.tenant.id, user_id: created.id, secret: server.deps.secrets.seal(secret),
      algorithm: 'SHA1', digits: 6, period: 30, last_used_step: null, created_at: clock.seconds(),
    }, 'first');
    assert.ok(stored, `${username} enrolled`);
  }
  return { id: created.id, username, password, secret, ...(email ? { email } : {}) };
}

type SignIn = Awaited<ReturnType<typeof startTwoStep>>;
/** A browser showing a page of a sign-in. */
type OnPage = Pick<SignIn, 'browser' | 'url' | 'page'>;

const isCodePage = (html: string) => html.includes('autocomplete="one-time-code"');
const isEnrollPage = (html: string) => html.includes('aria-label="Setup key"');
const offersEmail = (html: string) => html.includes('name="sendToken"');

const unescape = (s: string) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const lineOf = (html: string, cls: 'error' | 'notice'): string | undefined => {
  const match = new RegExp(`<p class="${cls}" role="(?:alert|status)">([^<]*)</p>`).exec(html);
  return match ? unescape(match[1]!) : undefined;
};

/** Opens the application in `browser` and gets past the password page, onto the TOTP page. */
async function signIn(server: TestServer, app: RegisteredApp, person: Person, browser: HttpBrowser): Promise<SignIn> {
  const at = await startTwoStep({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: person.username, password: person.password, browser });
  assert.equal(at.status, 200, `${person.username} is on a TOTP page`);
  assert.ok(isCodePage(at.page), `${person.username} is on a TOTP page`);
  return at;
}

interface Answer extends OnPage { status: number; reached: boolean; error?: string; notice?: string; ms: number }

/** Posts the page's form with `fields` over its hidden fields, as a browser does; never a 500. */
async function post(at: OnPage, app: RegisteredApp, fields: Record<string, string>): Promise<Answer> {
  const form = parseForm(at.page);
  assert.ok(form.action, `a form to post on ${at.url}`);
  const isCallback = (u: string) => u.startsWith(app.redirectUri);
  const started = performance.now();
  const { url, res } = await at.browser.follow(new URL(form.action, at.url).href, { form: { ...form.fields, ...fields } }, isCallback);
  const ms = performance.now() - started;
  assert.ok(res.status < 500, `no 500: got ${res.status} at ${url}`);
  const reached = isCallback(url);
  const page = reached ? '' : await res.text();
  return { browser: at.browser, url, page, status: res.status, reached, error: lineOf(page, 'error'), notice: lineOf(page, 'notice'), ms };
}

/** "Get a verification code by email": the button posts the form with the code field empty. */
const askForEmail = (at: OnPage, app: RegisteredApp, value = 'email') => post(at, app, { token: '', sendToken: value });
const enterCode = (at: OnPage, app: RegisteredApp, token: string) => post(at, app, { token });

async function amrOf(signIn: SignIn, answer: Answer): Promise<string[]> {
  assert.ok(answer.reached, `reached the app (stopped at ${answer.url}: ${answer.error ?? ''})`);
  const claims = (await exchange(signIn.config, { ...signIn.started, callback: new URL(answer.url) })).claims()!;
  return [...(claims.amr as string[])].sort();
}

interface OutboxMessage { to: string; subject: string; text: string; html: string | null }

async function outbox(server: TestServer, to?: string): Promise<OutboxMessage[]> {
  const res = await api<{ messages: OutboxMessage[] }>(server, 'GET', `${OUTBOX}?limit=1000${to ? `&to=${encodeURIComponent(to)}` : ''}`, { auth: server.adminAuth });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.messages;
}

/** The one code in a mail's text (six digits standing alone). */
function codeIn(text: string): string {
  const codes = new Set([...text.matchAll(/(?<!\d)(\d{6})(?!\d)/g)].map((m) => m[1]!));
  assert.equal(codes.size, 1, `one code in the mail: ${text}`);
  return [...codes][0]!;
}

/** The code of the newest mail to `person`, checking how many there are. */
async function mailedCode(server: TestServer, person: Person, expected: number): Promise<string> {
  const mails = await outbox(server, person.email);
  assert.equal(mails.length, expected, `${expected} mail(s) to ${person.email}`);
  return codeIn(mails[0]!.text);
}

/** A code that is neither `avoid` nor any TOTP code of the steps around now (±3). */
function wrongCode(person: Person, clock: TestClock, avoid: string[], salt = 0): string {
  const taken = new Set(avoid);
  for (let k = -3; k <= 3; k++) taken.add(codeAt(person.secret, clock.seconds() + k * 30));
  for (let n = (Number(avoid[0] ?? '0') + 1 + salt * 7919) % 1_000_000; ; n = (n + 1) % 1_000_000) {
    const candidate = String(n).padStart(6, '0');
    if (!taken.has(candidate)) return candidate;
  }
}

const failureRow = (server: TestServer, userId: string, factor: string) =>
  server.deps.store.db.selectFrom('login_failure').selectAll()
    .where('tenant_id', '=', server.tenant.id).where('user_id', '=', userId).where('factor', '=', factor)
    .executeTakeFirst();

async function setEmailOption(server: TestServer, on: boolean): Promise<void> {
  const res = await api(server, 'PUT', PARAMETERS, { auth: server.adminAuth, body: { AllowSendingVerificationCodeByEmail: on } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.parameters.AllowSendingVerificationCodeByEmail, on);
}

/** Everything the server logs from now on (every level), as text. */
function captureLogs(server: TestServer): () => string {
  const lines: string[] = [];
  server.deps.logger = createLogger('trace', new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
  return () => lines.join('');
}

const standalone = (code: string) => new RegExp(`(?<!\\d)${code}(?!\\d)`);

/** Every value of every row of every table, as text. */
async function databaseText(server: TestServer): Promise<string[]> {
  const { db, dialect } = server.deps.store;
  const tables = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  const names = tables.rows.map((t) => t.name);
  for (const table of ['oidc_model', 'send_attempt', 'login_failure']) assert.ok(names.includes(table), `the scan covers ${table}`);
  const out: string[] = [];
  for (const name of names) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) {
        if (value === null || value === undefined) continue;
        if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'));
        else out.push(typeof value === 'object' ? JSON.stringify(value) : String(value));
      }
    }
  }
  return out;
}

async function assertCodeNotStored(server: TestServer, code: string, when: string): Promise<void> {
  const pattern = standalone(code);
  for (const value of await databaseText(server)) assert.doesNotMatch(value, pattern, `${when}: the emailed code is in the database: ${value.slice(0, 300)}`);
  if (server.deps.store.dialect === 'sqlite') {
    // The files too, write-ahead log included: a value once written stays in free pages.
    for (const suffix of ['', '-wal']) {
      const file = join(server.deps.config.server.data_dir, `gatehouse.db${suffix}`);
      if (existsSync(file)) assert.doesNotMatch(readFileSync(file).toString('latin1'), pattern, `${when}: the emailed code is in ${file}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The page's rules, with mail in the development outbox.

for (const dialect of DIALECTS) {
  describe(`TOTP code by email, development outbox (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const clock = manualClock();
    let lastIp = 0;
    /** A client address no earlier request used. */
    const freshIp = () => `198.51.${Math.floor(++lastIp / 250)}.${lastIp % 250 + 1}`;
    const freshClient = () => new ClientAt(freshIp());

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { server: { trust_proxy: true }, identity_mgt: { login_rate_limit: { max_requests: 100_000 } } } });
      app = await registerApp(server, { name: `email-code-${dialect}`, sequence: TWO_STEP });
      await setEmailOption(server, true);
    });
    after(() => server?.close());

    test('the page offers the email; the mailed code reaches the app with amr email, not otp, and is not accepted a second time', async () => {
      const erin = await newPerson(server, clock, 'erin');
      const first = await signIn(server, app, erin, freshClient());
      assert.ok(offersEmail(first.page), 'the TOTP page offers "Get a verification code by email"');
      assert.match(first.page, />Get a verification code by email<\/button>/);

      const asked = await askForEmail(first, app);
      assert.equal(asked.status, 200);
      assert.equal(asked.error, undefined);
      assert.equal(asked.notice, 'We sent a code to e•••@example.com. It works for 10 minutes, once.');
      assert.ok(isCodePage(asked.page), 'the same page, ready for the code');
      const [mail] = await outbox(server, erin.email);
      assert.ok(mail, 'the mail is in the outbox');
      assert.equal(mail.to, 'erin@example.com');
      assert.equal(mail.subject, 'Here is your time-based one-time passcode (TOTP)');
      const code = codeIn(mail.text);
      assert.match(mail.html ?? '', standalone(code), 'the HTML part carries the same code');
      assert.doesNotMatch(asked.page, standalone(code), 'the page never shows the code');

      const done = await enterCode(asked, app, code);
      const amr = await amrOf(first, done);
      assert.deepEqual(amr, ['email', 'mfa', 'pwd'], 'the mailbox was proven, not the authenticator app');

      // Replayed on the same, finished sign-in.
      const replayed = await enterCode(asked, app, code);
      assert.equal(replayed.reached, false, `a used emailed code reached the app again (${replayed.url})`);
      assert.equal(replayed.status, 400);
      assert.match(replayed.error ?? '', /expired/);

      // A new sign-in of the same user in another browser: the code belonged to the first one.
      const second = await signIn(server, app, erin, freshClient());
      const again = await enterCode(second, app, code);
      assert.equal(again.reached, false, 'a used emailed code opened a second sign-in');
      assert.equal(again.status, 400);
      assert.match(again.error ?? '', NOT_CORRECT);
      assert.equal((await failureRow(server, erin.id, TOTP))?.failed_attempts, 1, 'the attempt counts as a TOTP failure');
      assert.equal((await outbox(server, erin.email)).length, 1, 'nothing else was mailed');
    });

    test('a code emailed earlier still works after "Send another code" (slow mail), and the notice says so', async () => {
      const fay = await newPerson(server, clock, 'fay');
      const at = await signIn(server, app, fay, freshClient());
      const firstAsk = await askForEmail(at, app);
      const firstCode = await mailedCode(server, fay, 1);
      clock.advance(31);
      const secondAsk = await askForEmail(firstAsk, app);
      assert.equal(secondAsk.error, undefined, secondAsk.error);
      assert.match(secondAsk.notice ?? '', /Codes we emailed before still work until they expire/);
      const secondCode = await mailedCode(server, fay, 2);
      assert.notEqual(secondCode, firstCode);
      const done = await enterCode(secondAsk, app, firstCode);
      assert.deepEqual(await amrOf(at, done), ['email', 'mfa', 'pwd'], 'the first mail, arriving late, still signs in');
    });

    test('per user: a second email within 30 s shows the wait, the 6th within 15 minutes is refused, and the window passes', async () => {
      const uma = await newPerson(server, clock, 'uma');
      const client = new ClientAt(freshIp());
      const signedIn = await signIn(server, app, uma, client);
      let at: OnPage = signedIn;
      const start = clock.seconds();
      // Each request from another address: only the per-user limit can refuse.
      const ask = async () => {
        client.ip = freshIp();
        const answer = await askForEmail(at, app);
        at = answer;
        return answer;
      };

      assert.ok((await ask()).notice, 'the first email is sent');
      clock.advance(10);
      const early = await ask();
      assert.equal(early.notice, undefined);
      assert.equal(early.error, 'You can ask for another email in 20 seconds. Meanwhile you can use your authenticator app.');
      assert.ok(isCodePage(early.page) && offersEmail(early.page), 'the page stays usable');
      assert.equal((await outbox(server, uma.email)).length, 1, 'the refused request sent nothing');

      for (let n = 2; n <= 5; n++) {
        clock.set((start + 30 * (n - 1)) * 1000);
        const sent = await ask();
        assert.ok(sent.notice, `email ${n} at +${30 * (n - 1)} s is sent: ${sent.error ?? ''}`);
      }
      assert.equal((await outbox(server, uma.email)).length, 5);
      clock.set((start + 150) * 1000);
      const sixth = await ask();
      assert.equal(sixth.notice, undefined);
      assert.equal(sixth.error, 'You can ask for another email in 13 minutes. Meanwhile you can use your authenticator app.', 'the first send leaves the window at +900 s');
      clock.set((start + 899) * 1000);
      assert.equal((await ask()).error, 'You can ask for another email in 1 second. Meanwhile you can use your authenticator app.');
      assert.equal((await outbox(server, uma.email)).length, 5, 'the refused requests sent nothing');

      clock.set((start + 900) * 1000);
      const later = await ask();
      assert.ok(later.notice, `the window passed: ${later.error ?? ''}`);
      const amr = await amrOf(signedIn, await enterCode(later, app, await mailedCode(server, uma, 6)));
      assert.deepEqual(amr, ['email', 'mfa', 'pwd'], 'the refused requests left the sign-in working');
    });

    test('a burst of 15 concurrent requests for an email sends one, each from its own address', async () => {
      const vic = await newPerson(server, clock, 'vic');
      const at = await signIn(server, app, vic, new ClientAt(freshIp()));
      // Each request from another address (an attacker's proxy pool): only the per-user limit can refuse.
      const answers = await Promise.all(Array.from({ length: 15 }, async () => {
        const browser = new ClientAt(freshIp());
        browser.cookies = at.browser.cookies;
        return askForEmail({ ...at, browser }, app);
      }));
      assert.equal(answers.filter((a) => a.notice).length, 1, JSON.stringify(answers.map((a) => a.error ?? a.notice)));
      assert.equal((await outbox(server, vic.email)).length, 1, 'one email, not one per request');
    });

    test('per client IP: a second user from the same address waits; from another address they get their email', async () => {
      const [pia, quinn] = [await newPerson(server, clock, 'pia'), await newPerson(server, clock, 'quinn')];
      const shared = freshIp();
      const piaAt = await signIn(server, app, pia, new ClientAt(shared));
      const quinnClient = new ClientAt(shared);
      const quinnAt = await signIn(server, app, quinn, quinnClient);

      assert.ok((await askForEmail(piaAt, app)).notice, 'the first email from the address is sent');
      clock.advance(5);
      const refused = await askForEmail(quinnAt, app);
      assert.equal(refused.notice, undefined);
      assert.equal(refused.error, 'You can ask for another email in 25 seconds. Meanwhile you can use your authenticator app.');
      assert.equal((await outbox(server, quinn.email)).length, 0, 'nothing was mailed to the second user');

      // The same user from another address: the limit is the address's, not everyone's.
      quinnClient.ip = freshIp();
      const elsewhere = await askForEmail(refused, app);
      assert.equal(elsewhere.notice, 'We sent a code to q•••@example.com. It works for 10 minutes, once.', elsewhere.error);
      const amr = await amrOf(quinnAt, await enterCode(elsewhere, app, await mailedCode(server, quinn, 1)));
      assert.deepEqual(amr, ['email', 'mfa', 'pwd']);
    });

    test('setting off: no button, and a posted request sends nothing whatever it carries; a code mailed before stops working', async () => {
      const olga = await newPerson(server, clock, 'olga');
      const before = await signIn(server, app, olga, freshClient());
      const mailed = await askForEmail(before, app);
      assert.ok(mailed.notice, mailed.error);
      const code = await mailedCode(server, olga, 1);
      const total = (await outbox(server)).length;

      await setEmailOption(server, false);
      try {
        // The page shown while it was on still has the button: the server decides, not the page.
        const stale = await askForEmail(mailed, app);
        assert.equal(stale.status, 400);
        assert.equal(stale.error, NOT_AVAILABLE);
        assert.equal(stale.notice, undefined);

        const now = await signIn(server, app, olga, freshClient());
        assert.ok(!offersEmail(now.page), 'no "Get a verification code by email" with the setting off');
        let at: OnPage = now;
        const variants: Array<Record<string, string>> = [{ sendToken: 'email' }, { sendToken: '' }, { sendToken: 'anything', token: '' }, { sendToken: 'email', token: codeAt(olga.secret, clock.seconds() + 300) }];
        for (const fields of variants) {
          const answer = await post(at, app, fields);
          assert.equal(answer.status, 400, JSON.stringify(fields));
          assert.equal(answer.error, NOT_AVAILABLE, JSON.stringify(fields));
          assert.ok(isCodePage(answer.page));
          at = answer;
        }
        assert.equal((await outbox(server)).length, total, 'nothing was mailed with the setting off');

        // Still within its 10 minutes, but the tenant switched the fallback off.
        const old = await enterCode(stale, app, code);
        assert.equal(old.reached, false, 'a mailed code opened the step after the tenant turned the option off');
        assert.match(old.error ?? '', NOT_CORRECT);
      } finally {
        await setEmailOption(server, true);
      }
    });

    test('during enrollment the option is not offered, a posted request is refused, and enrolling still works', async () => {
      const nina = await newPerson(server, clock, 'nina', { enrolled: false });
      const first = await startTwoStep({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: nina.username, password: nina.password, browser: freshClient() });
      assert.ok(isEnrollPage(first.page), 'a user without TOTP enrolls first');
      assert.ok(!offersEmail(first.page), 'no email option while enrolling');
      const secret = secretFromPage(first.page);

      const posted = await askForEmail(first, app);
      assert.equal(posted.status, 400);
      assert.equal(posted.error, NOT_AVAILABLE);
      assert.equal(posted.notice, undefined);
      assert.ok(isEnrollPage(posted.page), 'still the enrollment page');
      assert.equal(secretFromPage(posted.page), secret, 'the same secret to scan');
      assert.ok(!offersEmail(posted.page));
      assert.equal((await outbox(server, nina.email)).length, 0, 'nothing was mailed');

      const enrolled = await enterCode(posted, app, codeAt(secret, clock.seconds()));
      assert.deepEqual(await amrOf(first, enrolled), ['mfa', 'otp', 'pwd']);
    });

    test('a user without an email address is not offered the button, and a posted request sends nothing', async () => {
      const noah = await newPerson(server, clock, 'noah', { email: false });
      const at = await signIn(server, app, noah, freshClient());
      assert.ok(!offersEmail(at.page), 'no email option without an address');
      const total = (await outbox(server)).length;
      const posted = await askForEmail(at, app);
      assert.equal(posted.status, 400);
      assert.equal(posted.error, NOT_AVAILABLE);
      assert.equal((await outbox(server)).length, total, 'nothing was mailed');
      assert.deepEqual(await amrOf(at, await enterCode(posted, app, codeAt(noah.secret, clock.seconds()))), ['mfa', 'otp', 'pwd']);
    });

    test('the emailed code works for 10 minutes, not longer, and an expired one counts as a TOTP failure', async () => {
      const ezra = await newPerson(server, clock, 'ezra');
      const first = await signIn(server, app, ezra, freshClient());
      const asked = await askForEmail(first, app);
      assert.ok(asked.notice, asked.error);
      clock.advance(599);
      assert.deepEqual(await amrOf(first, await enterCode(asked, app, await mailedCode(server, ezra, 1))), ['email', 'mfa', 'pwd'], 'still valid after 599 s');

      const second = await signIn(server, app, ezra, freshClient());
      const again = await askForEmail(second, app);
      assert.ok(again.notice, again.error);
      const code = await mailedCode(server, ezra, 2);
      clock.advance(600);
      const late = await enterCode(again, app, code);
      assert.equal(late.reached, false, 'an emailed code older than 600 s was accepted');
      assert.equal(late.status, 400);
      assert.match(late.error ?? '', NOT_CORRECT);
      assert.equal((await failureRow(server, ezra.id, TOTP))?.failed_attempts, 1, 'the late code counts as a TOTP failure');
      assert.ok(!late.page.includes('or the code we emailed'), 'the page no longer mentions the expired code');
      // The app still opens the step.
      assert.deepEqual(await amrOf(second, await enterCode(late, app, codeAt(ezra.secret, clock.seconds()))), ['mfa', 'otp', 'pwd']);
    });

    test('wrong emailed codes count into the TOTP lockout; once locked, neither the right code nor a new email gets through', async () => {
      const lena = await newPerson(server, clock, 'lena');
      const first = await signIn(server, app, lena, freshClient());
      let at: Answer = await askForEmail(first, app);
      assert.ok(at.notice, at.error);
      const code = await mailedCode(server, lena, 1);
      const attempts = server.deps.config.identity_mgt.account_locking.allowed_failed_attempts;
      for (let i = 0; i < attempts; i++) {
        at = await enterCode(at, app, wrongCode(lena, clock, [code], i));
        assert.equal(at.reached, false);
        assert.equal(at.status, 400);
      }
      const row = await failureRow(server, lena.id, TOTP);
      assert.ok(row && row.locked_until !== null && Number(row.locked_until) > clock.seconds(), 'factor totp is locked');
      assert.equal((await failureRow(server, lena.id, 'BasicAuthenticator'))?.failed_attempts ?? 0, 0, 'the password counter is separate');

      const right = await enterCode(at, app, code);
      assert.equal(right.reached, false, 'the emailed code opened a locked step');
      assert.match(right.error ?? '', LOCKED);
      clock.advance(60); // past the send limit, so only the lock can refuse
      const more = await askForEmail(right, app);
      assert.equal(more.notice, undefined);
      assert.match(more.error ?? '', LOCKED);
      assert.equal((await outbox(server, lena.email)).length, 1, 'a locked step sends no email');
    });

    test('the emailed code belongs to its sign-in: it fails in another sign-in of the same user, and still works in its own', async () => {
      const bea = await newPerson(server, clock, 'bea');
      const a = await signIn(server, app, bea, freshClient());
      const b = await signIn(server, app, bea, freshClient());
      const asked = await askForEmail(a, app);
      assert.ok(asked.notice, asked.error);
      const code = await mailedCode(server, bea, 1);

      const inB = await enterCode(b, app, code);
      assert.equal(inB.reached, false, 'a code mailed in sign-in A opened sign-in B');
      assert.equal(inB.status, 400);
      assert.match(inB.error ?? '', NOT_CORRECT);
      assert.ok(!inB.page.includes('or the code we emailed'), 'sign-in B mailed nothing');

      assert.deepEqual(await amrOf(a, await enterCode(asked, app, code)), ['email', 'mfa', 'pwd']);
    });
  });
}

// ---------------------------------------------------------------------------------------
// Through a real SMTP server: what the page does when sending fails, and where the code is not.

/**
 * An SMTP server that answers every command, each a little under timeout_seconds late, and
 * refuses STARTTLS in the end: no single phase times out (connection, greeting, socket), so
 * only the bound on the whole send ends the wait in time.
 */
async function startTricklingSmtp(delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => { /* the client gave up */ });
    const later = (reply: string) => setTimeout(() => { if (!socket.destroyed) socket.write(reply); }, delayMs);
    later('220 trickle.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const verb = buffer.slice(0, end).split(' ')[0]!.toUpperCase();
        buffer = buffer.slice(end + 2);
        if (verb === 'EHLO') later('250-trickle.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n');
        else if (verb === 'QUIT') later('221 2.0.0 Bye\r\n');
        else later('454 4.7.0 TLS not available right now\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe('TOTP code by email through SMTP (sqlite)', () => {
  const clock = manualClock();
  let lastIp = 0;
  const freshClient = () => new ClientAt(`203.0.113.${++lastIp}`);

  interface Setup {
    server: TestServer;
    app: RegisteredApp;
    /** The SMTP server [output_adapter.email] points at; undefined when nothing listens there. */
    smtp?: TestSmtpServer;
    timeoutSeconds: number;
    logs: () => string;
  }

  const trickling = startTricklingSmtp(800);

  /** A Gatehouse whose server-wide SMTP is `smtp` (STARTTLS required, AUTH), the option on. */
  async function setUp(name: string, smtpOptions: TestSmtpOptions | 'nothing listening' | 'trickling', timeoutSeconds = 1): Promise<Setup> {
    const smtp = typeof smtpOptions === 'object' ? await startSmtpServer(smtpOptions) : undefined;
    const port = smtp?.port ?? (smtpOptions === 'trickling' ? (await trickling).port : await freePort());
    const server = await startServer({
      clock,
      overrides: {
        server: { trust_proxy: true },
        output_adapter: {
          email: {
            hostname: '127.0.0.1', port, from_address: 'no-reply@gatehouse.test', username: SMTP_USER, password: SMTP_PASSWORD,
            enable_start_tls: true, enable_authentication: true, tls_reject_unauthorized: false, timeout_seconds: timeoutSeconds,
          },
        },
      },
    });
    const app = await registerApp(server, { name, sequence: TWO_STEP });
    await setEmailOption(server, true);
    return { server, app, ...(smtp ? { smtp } : {}), timeoutSeconds, logs: captureLogs(server) };
  }

  const setups: Record<string, Setup> = {};
  before(async () => {
    const [noStartTls, down, refusingAuth, slow, slowThroughout, working] = await Promise.all([
      setUp('no-starttls', { tls: 'none', auth: { username: SMTP_USER, password: SMTP_PASSWORD } }),
      setUp('down', 'nothing listening'),
      setUp('refusing-auth', { tls: 'starttls', refuseAuth: true }),
      // Greets after 3 s, well beyond timeout_seconds = 1.
      setUp('slow', { tls: 'starttls', auth: { username: SMTP_USER, password: SMTP_PASSWORD }, greetingDelayMs: 3000 }),
      setUp('slow-throughout', 'trickling'),
      setUp('working', { tls: 'starttls', auth: { username: SMTP_USER, password: SMTP_PASSWORD } }, 2),
    ]);
    Object.assign(setups, { noStartTls, down, refusingAuth, slow, slowThroughout, working });
  });
  after(async () => {
    await Promise.all(Object.values(setups).map(async (s) => { await s.server.close(); await s.smtp?.close(); }));
    await (await trickling).close();
  });

  // marginMs: how much later than timeout_seconds the page may answer.
  const failures: Array<{ name: string; setup: string; reason: string; marginMs?: number; check?: (setup: Setup) => void }> = [
    {
      name: 'a server without STARTTLS (enable_start_tls = true): nothing is sent and the password never travels in clear',
      setup: 'noStartTls',
      reason: 'tls_unavailable',
      check: ({ smtp }) => assert.deepEqual(smtp!.events.filter((e) => e.event === 'auth' || e.event === 'auth-refused'), [], 'no AUTH on the plain session'),
    },
    { name: 'nothing listening on the SMTP port', setup: 'down', reason: 'connection_failed' },
    {
      name: 'a server that refuses AUTH',
      setup: 'refusingAuth',
      reason: 'auth_failed',
      check: ({ smtp, logs }) => {
        assert.ok(smtp!.events.some((e) => e.event === 'auth-refused' && e.secure === true), 'AUTH was tried, on the encrypted session');
        assert.match(logs(), /"smtpResponse":"535[^"]*"/, 'the SMTP reply is logged');
      },
    },
    { name: 'a server too slow to greet (beyond timeout_seconds)', setup: 'slow', reason: 'timeout' },
    // Unbounded it would take 4 × 0.8 s before the STARTTLS refusal.
    { name: 'a server whose every reply comes 0.8 s late (each phase within its timeout)', setup: 'slowThroughout', reason: 'timeout', marginMs: 700 },
  ];

  for (const failure of failures) {
    test(`${failure.name}: the page says so within the timeout, no 500, and the authenticator app still works`, async () => {
      const setup = setups[failure.setup]!;
      const { server, app } = setup;
      const person = await newPerson(server, clock, `user-${failure.setup.toLowerCase()}`);
      const at = await signIn(server, app, person, freshClient());
      assert.ok(offersEmail(at.page));

      const asked = await askForEmail(at, app);
      assert.ok(asked.ms < setup.timeoutSeconds * 1000 + (failure.marginMs ?? 1500), `answered in ${Math.round(asked.ms)} ms, timeout_seconds = ${setup.timeoutSeconds}`);
      assert.equal(asked.status, 400);
      assert.equal(asked.error, SEND_FAILED);
      assert.equal(asked.notice, undefined);
      assert.ok(isCodePage(asked.page), 'the code page again');
      assert.ok(offersEmail(asked.page), 'with the button to try again');
      assert.ok(!asked.page.includes('or the code we emailed'), 'the page does not claim a code was sent');
      if (setup.smtp) assert.equal(setup.smtp.messages.length, 0, 'nothing was delivered');
      assert.equal((await outbox(server)).length, 0, 'nor put in the outbox instead');
      const logs = setup.logs();
      assert.match(logs, new RegExp(`"event":"totp_email_failed"[^\n]*"reason":"${failure.reason}"`), `logged as ${failure.reason}`);
      assert.ok(!logs.includes(SMTP_PASSWORD), 'the SMTP password is not logged');
      failure.check?.(setup);

      const done = await enterCode(asked, app, codeAt(person.secret, clock.seconds()));
      assert.deepEqual(await amrOf(at, done), ['mfa', 'otp', 'pwd'], 'the authenticator app code still works in the same sign-in');
      assert.equal((await failureRow(server, person.id, TOTP))?.failed_attempts ?? 0, 0, 'the failed send was not counted as a failed code');
    });
  }

  test('a tenant sender whose host now resolves to loopback is refused at send time: nothing reaches the local SMTP server', async () => {
    const { server, app } = setups.down!;
    const local = setups.working!.smtp!;
    const connections = local.events.filter((e) => e.event === 'connect').length;
    // As if the name resolved to a public address when the administrator saved it.
    await server.deps.store.db.insertInto('email_sender').values({
      tenant_id: server.tenant.id, name: 'EmailPublisher', smtp_host: '127.0.0.1', smtp_port: local.port, from_address: 'a@tenant.example',
      username: '', password: null, properties: JSON.stringify({ enable_start_tls: 'false', enable_authentication: 'false' }),
      created_at: clock.seconds(), updated_at: clock.seconds(),
    }).execute();
    try {
      const rita = await newPerson(server, clock, 'rita');
      const at = await signIn(server, app, rita, freshClient());
      const asked = await askForEmail(at, app);
      assert.equal(asked.error, SEND_FAILED);
      assert.equal(local.events.filter((e) => e.event === 'connect').length, connections, 'Gatehouse connected to the loopback SMTP server');
      assert.match(setups.down!.logs(), /"event":"totp_email_failed"[^\n]*"reason":"host_not_allowed"/);
      assert.deepEqual(await amrOf(at, await enterCode(asked, app, codeAt(rita.secret, clock.seconds()))), ['mfa', 'otp', 'pwd']);
    } finally {
      await server.deps.store.db.deleteFrom('email_sender').where('tenant_id', '=', server.tenant.id).execute();
    }
  });

  test('the emailed code travels over STARTTLS with AUTH and is never stored nor logged, before or after it is used', async () => {
    const { server, app, smtp, logs } = setups.working!;
    const wes = await newPerson(server, clock, 'wes');
    const at = await signIn(server, app, wes, freshClient());
    const asked = await askForEmail(at, app);
    assert.equal(asked.notice, 'We sent a code to w•••@example.com. It works for 10 minutes, once.', asked.error);
    const [mail] = await smtp!.waitForMessages(1);
    assert.ok(mail);
    assert.deepEqual(mail.to, ['wes@example.com']);
    assert.equal(mail.secure, true, 'the session was encrypted');
    assert.equal(mail.user, SMTP_USER, 'the session was authenticated');
    const code = codeIn(mail.parsed.text ?? '');

    await assertCodeNotStored(server, code, 'after sending');
    const wrong = await enterCode(asked, app, wrongCode(wes, clock, [code]));
    assert.equal(wrong.status, 400);
    await assertCodeNotStored(server, code, 'after a wrong code');
    const done = await enterCode(wrong, app, code);
    assert.deepEqual(await amrOf(at, done), ['email', 'mfa', 'pwd']);
    await assertCodeNotStored(server, code, 'after use');

    const logged = logs();
    assert.match(logged, /"event":"totp_email_sent"/, 'the capture saw the send');
    assert.match(logged, /"event":"totp_email_code_accepted"/, 'and the use');
    assert.doesNotMatch(logged, standalone(code), 'the emailed code is in the logs');
  });
});
