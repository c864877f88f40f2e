// Attacks on the TOTP step (issue 3, acceptance 2), over HTTP against the real server: each
// test states the protection it relies on, and fails when that protection is taken out.
// Replays, skipped or unfinished enrollments, the step without a password, another
// browser's page, separate failure counters, session reuse, the seed at rest and the
// enrollment parameters on every dialect; "enable = false" on SQLite only (it needs a
// restart on the same store, and startServer gives PostgreSQL a fresh database each time,
// while a SQLite data_dir can be passed in overrides); the 20-request races on PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, pageError, parseForm } from '../helpers/http-browser.js';
import { discover } from '../helpers/oidc-login.js';
import { authorize, exchange } from '../helpers/oidc-authorize.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep } from '../helpers/totp.js';
import { createLogger } from '../../src/logger.js';
import { base32Decode, base32Encode, formatBase32ForDisplay } from '../../src/otp/index.js';
import { TOTP_FAILURE, totpAuthenticator } from '../../src/authn/authenticators/totp/index.js';
import { updateTotpParameters } from '../../src/authn/authenticators/totp/parameters.js';
import { unlock } from '../../src/authn/regulation.js';

const GENERIC_PASSWORD_FAILURE = 'The username or password is incorrect. After several failed attempts the account is locked for a while.';
const PASSWORD = 'BasicAuthenticator';
const TOTP = 'totp';

// ---------------------------------------------------------------------------------------
// Helpers

/**
 * A clock near real time (oidc-provider keeps its own expiry times in real time, so an
 * interaction can only be expired by moving this clock if both agree), on a minute boundary.
 */
const nearNowClock = () => manualClock(Math.floor(Date.now() / 60_000) * 60_000);
type TestClock = ReturnType<typeof manualClock>;

interface Person { id: string; username: string; password: string }

async function newUser(server: TestServer, username: string): Promise<Person> {
  const password = `${username}-password-1`;
  const created = await createScimUser(server, { userName: username, password });
  return { id: created.id, username, password };
}

type SignIn = Awaited<ReturnType<typeof startTwoStep>>;
/** A browser showing a page of a sign-in. */
type OnPage = Pick<SignIn, 'browser' | 'url' | 'page'>;

/** Opens the application in a (fresh) browser and gets past the password page. */
function signIn(server: TestServer, app: RegisteredApp, person: Person, browser?: HttpBrowser, params?: Record<string, string>): Promise<SignIn> {
  return startTwoStep({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: person.username, password: person.password, browser, params });
}

const isEnrollPage = (html: string) => html.includes('aria-label="Setup key"');
const isCodePage = (html: string) => html.includes('autocomplete="one-time-code"');
const isPasswordPage = (html: string) => html.includes('<label for="password">');

interface Answer { url: string; status: number; page: string; reached: boolean; error?: string }

/** Posts the page's form with `fields` merged over its hidden fields (undefined drops one). */
async function post(browser: HttpBrowser, pageUrl: string, page: string, fields: Record<string, string | undefined>, redirectUri: string): Promise<Answer> {
  const form = parseForm(page);
  assert.ok(form.action, `a form to post on ${pageUrl}`);
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...form.fields, ...fields })) if (v !== undefined) body[k] = v;
  const isCallback = (u: string) => u.startsWith(redirectUri);
  const { url, res } = await browser.follow(new URL(form.action, pageUrl).href, { form: body }, isCallback);
  assert.ok(res.status < 500, `no 500: got ${res.status} at ${url}`);
  const reached = isCallback(url);
  const html = reached ? '' : await res.text();
  return { url, status: res.status, page: html, reached, error: pageError(html) };
}

const answer = (at: OnPage, app: RegisteredApp, fields: Record<string, string | undefined>) => post(at.browser, at.url, at.page, fields, app.redirectUri);
const enterCode = (at: OnPage, app: RegisteredApp, token: string) => answer(at, app, { token });

/** A code that none of the steps around now (±3) produces. */
function wrongCode(secret: string, clock: TestClock, salt = 0, period = 30, digits: 6 | 8 = 6): string {
  const valid = new Set<string>();
  for (let k = -3; k <= 3; k++) valid.add(codeAt(secret, clock.seconds() + k * period, period, digits));
  const modulo = 10 ** digits;
  for (let n = (Number(codeAt(secret, clock.seconds(), period, digits)) + 1 + salt * 7919) % modulo; ; n = (n + 1) % modulo) {
    const candidate = String(n).padStart(digits, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/** Signs in for the first time and enrolls with the current code; returns the secret. */
async function enroll(server: TestServer, clock: TestClock, app: RegisteredApp, person: Person): Promise<string> {
  const first = await signIn(server, app, person);
  assert.equal(first.status, 200);
  assert.ok(isEnrollPage(first.page), `an enrollment page for ${person.username}`);
  const secret = secretFromPage(first.page);
  const done = await enterCode(first, app, codeAt(secret, clock.seconds()));
  assert.ok(done.reached, `${person.username} enrolled and reached the app, stopped at ${done.url}: ${done.error ?? ''}`);
  return secret;
}

const totpRows = (server: TestServer, userId: string) =>
  server.deps.store.db.selectFrom('totp_credential').selectAll()
    .where('tenant_id', '=', server.tenant.id).where('user_id', '=', userId).execute();

const failureRow = (server: TestServer, userId: string, factor: string) =>
  server.deps.store.db.selectFrom('login_failure').selectAll()
    .where('tenant_id', '=', server.tenant.id).where('user_id', '=', userId).where('factor', '=', factor)
    .executeTakeFirst();

async function lastUsedStep(server: TestServer, userId: string): Promise<number | null> {
  const rows = await totpRows(server, userId);
  const active = rows.find((r) => r.status === 'active');
  assert.ok(active, 'an active credential');
  return active.last_used_step === null ? null : Number(active.last_used_step);
}

interface LogEvent { event?: string; userId?: string; factor?: string; step?: number }

/** Runs `work` with the server's logger writing into a list (the audit events). */
async function withEvents<T>(server: TestServer, work: () => Promise<T>): Promise<{ result: T; events: LogEvent[] }> {
  const events: LogEvent[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) events.push(JSON.parse(line) as LogEvent);
      done();
    },
  });
  const original = server.deps.logger;
  server.deps.logger = createLogger('info', sink);
  try {
    return { result: await work(), events };
  } finally {
    server.deps.logger = original;
  }
}

/** Every value of every row of every table, as text (binary values as hex, base64 and latin1). */
async function databaseText(server: TestServer): Promise<string[]> {
  const { db, dialect } = server.deps.store;
  const tables = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  assert.ok(tables.rows.some((t) => t.name === 'totp_credential'), 'the scan covers totp_credential');
  const out: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) {
        if (value === null || value === undefined) continue;
        if (value instanceof Uint8Array) {
          const buf = Buffer.from(value);
          out.push(buf.toString('hex'), buf.toString('base64'), buf.toString('latin1'));
        } else if (typeof value === 'object') out.push(JSON.stringify(value));
        else out.push(String(value));
      }
    }
  }
  return out;
}

/** The forms a leaked seed could take: Base32 (as stored and as shown), hex and base64 of its bytes. */
function seedForms(secret: string): string[] {
  const raw = Buffer.from(base32Decode(secret));
  return [
    secret, secret.toLowerCase(), formatBase32ForDisplay(secret),
    raw.toString('hex'), raw.toString('hex').toUpperCase(),
    raw.toString('base64'), raw.toString('base64').replace(/=+$/, ''), raw.toString('base64url'),
  ];
}

async function assertSeedAbsent(server: TestServer, secret: string, when: string): Promise<void> {
  const forms = seedForms(secret);
  const text = await databaseText(server);
  for (const value of text) {
    for (const form of forms) assert.ok(!value.includes(form), `${when}: the seed (as ${form}) is in the database: ${value.slice(0, 200)}`);
    assert.ok(!value.toUpperCase().replace(/\s/g, '').includes(secret), `${when}: the seed (spaced or lower-case) is in the database`);
  }
  if (server.deps.store.dialect === 'sqlite') {
    // The files themselves, write-ahead log included: a seed once written stays in free pages.
    const raw = Buffer.from(base32Decode(secret));
    for (const suffix of ['', '-wal']) {
      const file = join(server.deps.config.server.data_dir, `gatehouse.db${suffix}`);
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      assert.equal(bytes.indexOf(raw), -1, `${when}: the seed's raw bytes are in ${file}`);
      for (const form of forms) assert.equal(bytes.indexOf(Buffer.from(form)), -1, `${when}: the seed (as ${form}) is in ${file}`);
    }
  }
}

// ---------------------------------------------------------------------------------------

for (const dialect of DIALECTS) {
  describe(`TOTP attacks (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const clock = nearNowClock();

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10_000 } } } });
      app = await registerApp(server, { name: `two-step-${dialect}`, sequence: TWO_STEP });
    });
    after(() => server?.close());

    test('a code accepted once is refused in a second sign-in, like a wrong code, and logged as a replay', async () => {
      const rita = await newUser(server, 'replay.rita');
      const secret = await enroll(server, clock, app, rita);
      // Two steps on: the step before now was never used, but it is older than the one accepted below.
      clock.advance(60);
      const now = clock.seconds();
      const code = codeAt(secret, now);

      const first = await signIn(server, app, rita);
      assert.ok(isCodePage(first.page) && !isEnrollPage(first.page));
      assert.ok((await enterCode(first, app, code)).reached, 'the code is accepted once');

      const second = await signIn(server, app, rita);
      const { result: replay, events } = await withEvents(server, () => enterCode(second, app, code));
      assert.equal(replay.reached, false, 'the same code does not sign in again');
      assert.equal(replay.status, 400);
      assert.equal(replay.error, TOTP_FAILURE);
      const replayed = events.filter((e) => e.event === 'totp_code_replayed');
      assert.equal(replayed.length, 1, 'the replay is logged as a security event');
      assert.equal(replayed[0]!.userId, rita.id);
      assert.equal(replayed[0]!.step, Math.floor(now / 30));

      // A wrong code gets the very same page: a replay does not confirm the code was right.
      const wrong = await enterCode(second, app, wrongCode(secret, clock));
      assert.equal(wrong.status, replay.status);
      assert.equal(wrong.page, replay.page);
      const earlier = await enterCode(second, app, codeAt(secret, now - 30));
      assert.equal(earlier.reached, false, 'an unused step older than the accepted one is refused too');
      assert.equal(earlier.page, replay.page);
      assert.equal(await lastUsedStep(server, rita.id), Math.floor(now / 30));

      // The page still works: the next step's code signs in.
      assert.ok((await enterCode(second, app, codeAt(secret, now + 30))).reached);
    });

    test('an enrollment finished with a wrong code stores nothing and never signs in', async () => {
      const wes = await newUser(server, 'enrol.wes');
      const first = await signIn(server, app, wes);
      assert.ok(isEnrollPage(first.page));
      const secret = secretFromPage(first.page);
      for (const code of [wrongCode(secret, clock), codeAt(secret, clock.seconds() + 60), codeAt(secret, clock.seconds() - 60)]) {
        const wrong = await enterCode(first, app, code);
        assert.equal(wrong.reached, false, `${code} does not finish the enrollment`);
        assert.equal(wrong.status, 400);
        assert.equal(wrong.error, TOTP_FAILURE);
        assert.equal(secretFromPage(wrong.page), secret, 'the same pending secret is offered again');
        assert.deepEqual(await totpRows(server, wes.id), [], 'no credential is stored');
      }
      const next = await signIn(server, app, wes);
      assert.ok(isEnrollPage(next.page), 'the next sign-in enrolls again');
      assert.notEqual(secretFromPage(next.page), secret, 'with a new secret: the first was never kept');
      assert.deepEqual(await totpRows(server, wes.id), []);
    });

    test('enrollment cannot be skipped: a later step, no step, no code, a secret of the attacker, the resume URL', async () => {
      const sam = await newUser(server, 'enrol.sam');
      const at = await signIn(server, app, sam);
      assert.ok(isEnrollPage(at.page));
      const secret = secretFromPage(at.page);
      const chosen = base32Encode(randomBytes(20));
      const attempts: Array<[string, Record<string, string | undefined>]> = [
        ['step 3', { step: '3' }],
        ['step 3 with a code', { step: '3', token: wrongCode(secret, clock) }],
        ['no step', { step: undefined, token: wrongCode(secret, clock, 1) }],
        ['an empty step', { step: '' }],
        ['step 2 without a code', { token: undefined }],
        ['a secret the attacker chose and its code', { secret: chosen, enrolling: chosen, token: codeAt(chosen, clock.seconds()) }],
      ];
      for (const [what, fields] of attempts) {
        const res = await answer(at, app, fields);
        assert.equal(res.reached, false, `${what} must not sign in`);
        assert.equal(res.status, 400, what);
        assert.ok(isEnrollPage(res.page), `${what}: still the enrollment page`);
        assert.equal(secretFromPage(res.page), secret, `${what}: the pending secret is unchanged`);
        assert.deepEqual(await totpRows(server, sam.id), [], `${what}: nothing stored`);
      }

      // The provider's resume URL is where a finished login goes next; jumping there early
      // must not count the password alone as a sign-in.
      const uid = new URL(at.url).pathname.split('/').pop()!;
      const resumed = await at.browser.follow(`${server.tenant.baseUrl}/oauth2/authorize/${uid}`, {}, (u) => u.startsWith(app.redirectUri));
      assert.ok(resumed.res.status < 500, `no 500 from the resume URL: ${resumed.res.status}`);
      if (resumed.url.startsWith(app.redirectUri)) {
        assert.equal(new URL(resumed.url).searchParams.get('code'), null, `the resume URL must not hand out a code: ${resumed.url}`);
      }
      assert.deepEqual(await totpRows(server, sam.id), []);

      // None of that spoiled the real enrollment: a new sign-in finishes with the right code.
      const retry = await signIn(server, app, sam);
      const done = await enterCode(retry, app, codeAt(secretFromPage(retry.page), clock.seconds()));
      assert.ok(done.reached, `stopped at ${done.url}: ${done.error ?? ''}`);
      assert.equal((await totpRows(server, sam.id)).length, 1);
    });

    test('a cancelled enrollment stores nothing, and its page is dead afterwards', async () => {
      const cleo = await newUser(server, 'enrol.cleo');
      const at = await signIn(server, app, cleo);
      assert.ok(isEnrollPage(at.page));
      const secret = secretFromPage(at.page);
      const abort = /<a href="([^"]*\/abort)"/.exec(at.page)?.[1];
      assert.ok(abort, 'the page has a cancel link');
      const cancelled = await at.browser.follow(new URL(abort, at.url).href, {}, (u) => u.startsWith(app.redirectUri));
      assert.ok(cancelled.url.startsWith(app.redirectUri), `cancel returns to the app, stopped at ${cancelled.url}`);
      const callback = new URL(cancelled.url);
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('code'), null);
      assert.deepEqual(await totpRows(server, cleo.id), []);

      const late = await enterCode(at, app, codeAt(secret, clock.seconds()));
      assert.equal(late.reached, false, 'the cancelled sign-in cannot be finished');
      assert.equal(late.status, 400);
      assert.deepEqual(await totpRows(server, cleo.id), []);

      const next = await signIn(server, app, cleo);
      assert.ok(isEnrollPage(next.page));
      assert.notEqual(secretFromPage(next.page), secret);
    });

    test('the TOTP step cannot be reached without the password', async () => {
      const nina = await newUser(server, 'nopass.nina');
      const secret = await enroll(server, clock, app, nina);
      clock.advance(60);
      const code = codeAt(secret, clock.seconds());
      const usedBefore = await lastUsedStep(server, nina.id);

      const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
      const browser = new HttpBrowser();
      const started = await authorize(config, browser, app.redirectUri);
      assert.equal(started.callback, undefined);
      const login = { browser, url: started.url, page: await started.res.text() } satisfies OnPage;
      assert.ok(isPasswordPage(login.page));
      for (const [what, fields] of [
        ['step 2', { step: '2', token: code }],
        ['step 1 with a code only', { step: '1', token: code }],
        ['step 1 with the username and a code', { step: '1', username: nina.username, token: code }],
        ['no step', { step: undefined, username: nina.username, token: code }],
      ] as Array<[string, Record<string, string | undefined>]>) {
        const res = await answer(login, app, fields);
        assert.equal(res.reached, false, `${what} must not sign in`);
        assert.equal(res.status, 400, what);
        assert.ok(isPasswordPage(res.page), `${what}: the password page again`);
      }
      assert.equal(await lastUsedStep(server, nina.id), usedBefore, 'the code was never judged');

      // The code is still good after the password, in the same browser.
      const proper = await signIn(server, app, nina, browser);
      assert.ok(isCodePage(proper.page));
      assert.ok((await enterCode(proper, app, code)).reached);
    });

    test("another browser can neither load nor answer a sign-in's TOTP page", async () => {
      const vic = await newUser(server, 'victim.vic');
      const alice = await signIn(server, app, vic);
      assert.ok(isEnrollPage(alice.page));
      const secret = secretFromPage(alice.page);
      const code = codeAt(secret, clock.seconds());
      const form = parseForm(alice.page);
      const action = new URL(form.action, alice.url).href;

      const refused = async (who: string, res: Response) => {
        const html = await res.text();
        assert.equal(res.status, 400, who);
        assert.equal(res.headers.get('location'), null, who);
        assert.match(html, /This sign-in has expired/, who);
        for (const leak of seedForms(secret)) assert.ok(!html.includes(leak), `${who}: the seed leaked`);
        assert.ok(!html.includes('data:image/png'), `${who}: the QR code leaked`);
      };
      const mallory = new HttpBrowser();
      await refused('a browser without a sign-in (GET)', await mallory.request(alice.url));
      await refused('a browser without a sign-in (POST)', await mallory.request(action, { form: { ...form.fields, token: code } }));

      // Mallory with a sign-in of her own aims its cookie at Alice's page.
      const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
      const own = await authorize(config, mallory, app.redirectUri);
      assert.notEqual(own.url, alice.url);
      await refused('another sign-in (GET)', await mallory.request(alice.url));
      await refused('another sign-in (POST)', await mallory.request(action, { form: { ...form.fields, token: code } }));
      assert.deepEqual(await totpRows(server, vic.id), []);

      const done = await enterCode(alice, app, code);
      assert.ok(done.reached, 'Alice still finishes with her code');
    });

    test('TOTP failures and password failures are counted apart', async () => {
      const carl = await newUser(server, 'count.carl');
      const secret = await enroll(server, clock, app, carl);
      const atCode = await signIn(server, app, carl);
      assert.ok(isCodePage(atCode.page));

      const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
      const other = new HttpBrowser();
      const started = await authorize(config, other, app.redirectUri);
      const atPassword = { browser: other, url: started.url, page: await started.res.text() } satisfies OnPage;
      const wrongPassword = async (i: number) => {
        const res = await answer(atPassword, app, { username: carl.username, password: `not-carls-password-${i}` });
        assert.equal(res.error, GENERIC_PASSWORD_FAILURE);
      };
      const counts = async () => [(await failureRow(server, carl.id, PASSWORD))?.failed_attempts ?? 0, (await failureRow(server, carl.id, TOTP))?.failed_attempts ?? 0];

      await wrongPassword(1);
      await wrongPassword(2);
      assert.deepEqual(await counts(), [2, 0], 'wrong passwords count for the password only');
      for (let i = 0; i < 3; i++) assert.equal((await enterCode(atCode, app, wrongCode(secret, clock, i))).error, TOTP_FAILURE);
      assert.deepEqual(await counts(), [2, 3], 'wrong codes count for TOTP only');
      await wrongPassword(3);
      assert.deepEqual(await counts(), [3, 3]);
      assert.ok((await enterCode(atCode, app, codeAt(secret, clock.seconds() + 30))).reached);
      assert.deepEqual(await counts(), [3, 0], 'a right code clears the TOTP count, not the password count');
    });

    test('a session that proved only the password does not satisfy an application that needs TOTP', async () => {
      const sue = await newUser(server, 'sso.sue');
      const secret = await enroll(server, clock, app, sue);
      const passwordOnly = await registerApp(server, { name: `password-only-${dialect}` });
      const browser = new HttpBrowser();
      const first = await signIn(server, passwordOnly, sue, browser);
      assert.ok(first.url.startsWith(passwordOnly.redirectUri), 'signed in to the password-only app');

      const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
      const started = await authorize(config, browser, app.redirectUri);
      assert.equal(started.callback, undefined, 'the two-step app is not entered on the password session');
      const page = await started.res.text();
      assert.ok(isCodePage(page), 'the TOTP page appears');
      assert.ok(!isPasswordPage(page), 'the password is not asked again');
      const at = { browser, url: started.url, page } satisfies OnPage;
      const done = await enterCode(at, app, codeAt(secret, clock.seconds() + 30));
      assert.ok(done.reached);
      const claims = (await exchange(config, { ...started, callback: new URL(done.url) })).claims()!;
      assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    });

    test('the database never holds the seed in plaintext, neither while enrolling nor after', async () => {
      const sid = await newUser(server, 'seed.sid');
      const at = await signIn(server, app, sid);
      const secret = secretFromPage(at.page);
      await assertSeedAbsent(server, secret, 'while enrolling');
      assert.ok((await enterCode(at, app, codeAt(secret, clock.seconds()))).reached);
      const [row] = await totpRows(server, sid.id);
      assert.ok(row, 'a credential was stored');
      // The scan does see the stored credential, only not its seed in the clear.
      assert.ok((await databaseText(server)).includes(row.secret));
      await assertSeedAbsent(server, secret, 'after enrollment');
    });

    test('enrollment off and TOTP mandatory: a user without TOTP is stopped on a page that says why', async () => {
      const maud = await newUser(server, 'mandatory.maud');
      try {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: false, authenticationMandatory: true });
        const stopped = await signIn(server, app, maud);
        assert.ok(!stopped.url.startsWith(app.redirectUri), 'no sign-in');
        assert.equal(stopped.status, 400);
        assert.match(pageError(stopped.page) ?? '', /does not have one set up/);
        assert.match(pageError(stopped.page) ?? '', /Ask your administrator/);
        assert.ok(!isCodePage(stopped.page) && !isEnrollPage(stopped.page), 'neither a code nor an enrollment page');
        assert.deepEqual(await totpRows(server, maud.id), []);
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: null, authenticationMandatory: null });
      }
    });

    test('enrollment off and TOTP optional: a user without TOTP reaches the app without otp in amr; an enrolled user still gives a code', async () => {
      const ed = await newUser(server, 'enrolled.ed');
      const secret = await enroll(server, clock, app, ed);
      const olga = await newUser(server, 'optional.olga');
      try {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: false, authenticationMandatory: false });
        // Optional means "for those without one": an enrolled user is still asked.
        const enrolled = await signIn(server, app, ed);
        assert.ok(isCodePage(enrolled.page), 'the enrolled user is asked for a code');
        assert.ok((await enterCode(enrolled, app, codeAt(secret, clock.seconds() + 30))).reached);

        const skipped = await signIn(server, app, olga);
        assert.ok(skipped.url.startsWith(app.redirectUri),
          `an unenrolled user reaches the app, stopped at ${skipped.url} (${skipped.status}${skipped.status >= 300 && skipped.status < 400 ? ': still redirecting after 20 hops' : ''})`);
        const claims = (await exchange(skipped.config, { ...skipped.started, callback: new URL(skipped.url) })).claims()!;
        assert.deepEqual(claims.amr, ['pwd'], 'amr does not claim otp');
        assert.equal(claims.acr, 'urn:gatehouse:acr:1fa');
        assert.deepEqual(await totpRows(server, olga.id), []);
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: null, authenticationMandatory: null });
      }
    });

    test('attack: asking for mfa (acr_values, also over a password-only session) where the optional TOTP step is skipped gets unmet_authentication_requirements, never a code', async () => {
      const pia = await newUser(server, 'optional.pia');
      const MFA = 'urn:gatehouse:acr:mfa';
      const failed = (at: { url: string }) => {
        assert.ok(at.url.startsWith(app.redirectUri), `back at the app: ${at.url}`);
        const callback = new URL(at.url);
        assert.equal(callback.searchParams.get('code'), null, 'no code at the lower acr');
        return callback.searchParams.get('error');
      };
      try {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: false, authenticationMandatory: false });
        assert.equal(failed(await signIn(server, app, pia, undefined, { acr_values: MFA })), 'unmet_authentication_requirements');
        // Preferring mfa among others is met by what the sequence gives.
        const either = await signIn(server, app, pia, undefined, { acr_values: `${MFA} urn:gatehouse:acr:1fa` });
        const claims = (await exchange(either.config, { ...either.started, callback: new URL(either.url) })).claims()!;
        assert.equal(claims.acr, 'urn:gatehouse:acr:1fa');

        // The browser now holds a password-only session: it does not lend it to an mfa request.
        const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
        const silent = await authorize(config, either.browser, app.redirectUri, { prompt: 'none', acr_values: MFA });
        assert.equal(silent.callback?.searchParams.get('error'), 'login_required');
        // Interactively the sign-in runs again (the password from the session), skips the
        // step again, and ends with the error.
        const again = await authorize(config, either.browser, app.redirectUri, { acr_values: MFA });
        assert.ok(again.callback, `back at the app without a page: ${again.url}`);
        assert.equal(failed({ url: again.callback.href }), 'unmet_authentication_requirements');
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, { enrolUserInAuthenticationFlow: null, authenticationMandatory: null });
      }
    });

    // Last: it moves the clock past the interaction lifetime and back.
    test('an enrollment left until the sign-in expires stores nothing', async () => {
      const exa = await newUser(server, 'enrol.exa');
      const at = await signIn(server, app, exa);
      const secret = secretFromPage(at.page);
      const lifetime = server.deps.config.session.interaction_timeout + 30;
      clock.advance(lifetime);
      try {
        const late = await enterCode(at, app, codeAt(secret, clock.seconds()));
        assert.equal(late.reached, false);
        assert.equal(late.status, 400);
        assert.match(late.page, /expired/);
        assert.deepEqual(await totpRows(server, exa.id), []);
      } finally {
        clock.advance(-lifetime);
      }
    });
  });
}

describe('TOTP turned off on a server whose applications use it (sqlite, restarted on the same data)', () => {
  test('sign-ins stop on an error page that says the method is off, and new applications cannot use it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-totp-off-'));
    const clock = nearNowClock();
    const overrides = { identity_mgt: { login_rate_limit: { max_requests: 10_000 } }, server: { data_dir: dataDir } };
    try {
      let server = await startServer({ clock, overrides });
      let app: RegisteredApp;
      let ulla: Person;
      let vera: Person;
      try {
        app = await registerApp(server, { name: 'two-step', sequence: TWO_STEP });
        ulla = await newUser(server, 'ulla');
        vera = await newUser(server, 'vera');
        await enroll(server, clock, app, ulla);
      } finally {
        await server.close();
      }

      server = await startServer({ clock, overrides: { ...overrides, authentication: { authenticator: { totp: { enable: false } } } } });
      try {
        for (const person of [ulla, vera]) {
          const res = await signIn(server, app, person);
          assert.ok(!res.url.startsWith(app.redirectUri), `${person.username} must not sign in`);
          assert.ok(res.status >= 400 && res.status < 500, `${person.username}: ${res.status}`);
          assert.match(pageError(res.page) ?? '', /TOTP.*turned off on this server/, person.username);
          assert.ok(!isCodePage(res.page) && !isEnrollPage(res.page), `${person.username}: no TOTP form`);
        }
        assert.deepEqual(await totpRows(server, vera.id), []);
        const created = await api(server, 'POST', '/api/server/v1/applications', {
          auth: server.adminAuth,
          body: { name: 'another-two-step', inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['http://localhost:8787/callback'] } }, authenticationSequence: TWO_STEP },
        });
        assert.equal(created.status, 400, JSON.stringify(created.body));
        assert.match(created.body.message, /"totp" in step 2 is disabled/);
        const listed = await api(server, 'GET', '/api/server/v1/authenticators', { auth: server.adminAuth });
        assert.equal(listed.body.find((a: { name: string }) => a.name === 'totp')?.isEnabled, false, 'the authenticator list says totp is off');
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------

const onPostgres = { skip: !DIALECTS.includes('postgres') && 'GATEHOUSE_TEST_DIALECTS excludes postgres' };

/** `n` sign-ins of one user, all at once, each stopped on its TOTP page. */
async function signIns(server: TestServer, app: RegisteredApp, person: Person, n: number): Promise<SignIn[]> {
  const all = await Promise.all(Array.from({ length: n }, () => signIn(server, app, person)));
  for (const at of all) assert.ok(isCodePage(at.page) && !isEnrollPage(at.page), 'on the TOTP page');
  return all;
}

/** A PostgreSQL server on `clock` with the password+TOTP application `name`, locking as `accountLocking` says. */
async function startOnPostgres(clock: TestClock, name: string, accountLocking: Record<string, number>) {
  const server = await startServer({ dialect: 'postgres', clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10_000 }, account_locking: accountLocking } } });
  return { server, app: await registerApp(server, { name, sequence: TWO_STEP }) };
}

describe('TOTP races on PostgreSQL (50 attempts allowed)', onPostgres, () => {
  let server: TestServer;
  let app: RegisteredApp;
  const clock = nearNowClock();
  before(async () => { ({ server, app } = await startOnPostgres(clock, 'two-step-races', { allowed_failed_attempts: 50 })); });
  after(() => server?.close());

  test('one valid code sent by 20 sign-ins at once lets exactly one through', async () => {
    const ray = await newUser(server, 'race.ray');
    const secret = await enroll(server, clock, app, ray);
    clock.advance(30);
    const code = codeAt(secret, clock.seconds());
    const pages = await signIns(server, app, ray, 20);
    const { result, events } = await withEvents(server, () => Promise.all(pages.map((at) => enterCode(at, app, code))));
    const through = result.filter((r) => r.reached);
    assert.equal(through.length, 1, `exactly one sign-in completes, got ${through.length}`);
    for (const r of result.filter((x) => !x.reached)) assert.deepEqual([r.status, r.error], [400, TOTP_FAILURE]);
    assert.equal(events.filter((e) => e.event === 'totp_code_replayed' && e.userId === ray.id).length, 19, 'the 19 others are replays');
    assert.equal(await lastUsedStep(server, ray.id), Math.floor(clock.seconds() / 30));
  });

  test('20 wrong codes at once are all counted, against TOTP only', async () => {
    const will = await newUser(server, 'race.will');
    const secret = await enroll(server, clock, app, will);
    const pages = await signIns(server, app, will, 20);
    const { result, events } = await withEvents(server, () => Promise.all(pages.map((at, i) => enterCode(at, app, wrongCode(secret, clock, i)))));
    for (const r of result) assert.deepEqual([r.reached, r.status, r.error], [false, 400, TOTP_FAILURE]);
    assert.equal(events.filter((e) => e.event === 'login_failed' && e.userId === will.id && e.factor === TOTP).length, 20);
    const row = await failureRow(server, will.id, TOTP);
    assert.ok(row);
    assert.equal(row.failed_attempts, 20, 'no failure lost');
    assert.equal(row.lock_count, 0);
    assert.equal(row.locked_until, null);
    assert.equal((await failureRow(server, will.id, PASSWORD))?.failed_attempts ?? 0, 0, 'the password counter is untouched');
  });
});

describe('TOTP lockout on PostgreSQL (5 attempts allowed)', onPostgres, () => {
  let server: TestServer;
  let app: RegisteredApp;
  const clock = nearNowClock();
  before(async () => { ({ server, app } = await startOnPostgres(clock, 'two-step-lock', { allowed_failed_attempts: 5, auto_unlock_after: 5 })); });
  after(() => server?.close());

  test('20 wrong codes at once lock TOTP once; the lock holds for the right code, shows only after the password, spares the password, and unlock lifts it', async () => {
    const lou = await newUser(server, 'lock.lou');
    const secret = await enroll(server, clock, app, lou);
    clock.advance(30);
    const pages = await signIns(server, app, lou, 20);
    const { result, events } = await withEvents(server, () => Promise.all(pages.map((at, i) => enterCode(at, app, wrongCode(secret, clock, i)))));
    for (const r of result) assert.deepEqual([r.reached, r.status], [false, 400]);

    const judged = events.filter((e) => e.event === 'login_failed' && e.userId === lou.id && e.factor === TOTP).length;
    const refused = events.filter((e) => e.event === 'login_refused_locked' && e.userId === lou.id && e.factor === TOTP).length;
    assert.equal(judged + refused, 20, 'every attempt was judged or refused as locked');
    assert.equal(judged, 5, 'counted before judging: exactly the allowed 5 were judged, the rest waited for them and were refused');
    assert.equal(events.filter((e) => e.event === 'account_locked').length, 1, 'locked once');
    const row = await failureRow(server, lou.id, TOTP);
    assert.ok(row);
    assert.equal(row.failed_attempts, judged, 'every judged attempt was counted');
    assert.equal(row.lock_count, 1);
    assert.ok(row.locked_until !== null && Number(row.locked_until) > clock.seconds());
    assert.equal((await failureRow(server, lou.id, PASSWORD))?.failed_attempts ?? 0, 0, 'the password counter is untouched');

    const stepBefore = await lastUsedStep(server, lou.id);
    const right = codeAt(secret, clock.seconds());
    const locked = await enterCode(pages[0]!, app, right);
    assert.equal(locked.reached, false, 'the right code is refused while locked');
    assert.equal(locked.error, totpAuthenticator.lockedMessage);
    assert.equal(await lastUsedStep(server, lou.id), stepBefore, 'a code sent while locked is not even judged');
    assert.equal((await failureRow(server, lou.id, TOTP))?.failed_attempts, judged, 'nor counted');

    // Before the password the lock is not revealed: a wrong password reads as always.
    const config = await discover(server.tenant.issuer, app.clientId, app.clientSecret);
    const browser = new HttpBrowser();
    const started = await authorize(config, browser, app.redirectUri);
    const wrongPassword = await answer({ browser, url: started.url, page: await started.res.text() } satisfies OnPage, app, { username: lou.username, password: 'not-lous-password' });
    assert.equal(wrongPassword.error, GENERIC_PASSWORD_FAILURE);
    assert.equal((await failureRow(server, lou.id, PASSWORD))?.failed_attempts, 1);
    assert.equal((await failureRow(server, lou.id, TOTP))?.failed_attempts, judged, 'a wrong password does not count for TOTP');

    // The right password passes (the password is not locked) and the TOTP page says it is.
    const afterPassword = await signIn(server, app, lou, browser);
    assert.ok(isCodePage(afterPassword.page));
    assert.equal(pageError(afterPassword.page), totpAuthenticator.lockedMessage);

    await unlock(server.deps, server.tenant.id, lou.id, TOTP);
    const unlocked = await enterCode(afterPassword, app, right);
    assert.ok(unlocked.reached, `after the unlock the same code signs in, stopped at ${unlocked.url}: ${unlocked.error ?? ''}`);
  });
});
