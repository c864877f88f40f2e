// The TOTP step against a clock the test moves (issue 3, acceptance 3): which time steps a
// sign-in accepts under windowSize, and what timeStepSize and digits do to new and to
// already enrolled credentials.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { pageError, parseForm } from '../helpers/http-browser.js';
import { decodeQrFromPng } from '../helpers/qr-decode.js';
import { TWO_STEP, manualClock, secretFromPage, codeAt, startTwoStep } from '../helpers/totp.js';
import { TOTP_FAILURE } from '../../src/authn/authenticators/totp/index.js';
import { updateTotpParameters } from '../../src/authn/authenticators/totp/parameters.js';

interface Person { id: string; username: string; password: string }
type SignIn = Awaited<ReturnType<typeof startTwoStep>>;

/** Real time rounded down to a minute: a boundary of both 30 and 60 second steps. */
const minuteNow = () => Math.floor(Date.now() / 60_000) * 60;

for (const dialect of DIALECTS) {
  describe(`TOTP time steps and window (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const clock = manualClock(minuteNow() * 1000);

    before(async () => {
      server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10_000 } } } });
      app = await registerApp(server, { name: `two-step-clock-${dialect}`, sequence: TWO_STEP });
    });
    after(() => server?.close());
    // Every test has its own users, so each may start again near real time (oidc-provider's
    // own expiry times are real time; the store's follow this clock).
    beforeEach(() => clock.set(minuteNow() * 1000));

    let serial = 0;
    async function newUser(prefix: string): Promise<Person> {
      const username = `${prefix}.${dialect}.${++serial}`;
      const password = `${username}-password-1`;
      const created = await createScimUser(server, { userName: username, password });
      return { id: created.id, username, password };
    }

    const signIn = (person: Person): Promise<SignIn> =>
      startTwoStep({ issuer: server.tenant.issuer, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: person.username, password: person.password });

    async function enterCode(at: SignIn, token: string) {
      const form = parseForm(at.page);
      const isCallback = (u: string) => u.startsWith(app.redirectUri);
      const { url, res } = await at.browser.follow(new URL(form.action, at.url).href, { form: { ...form.fields, token } }, isCallback);
      assert.ok(res.status < 500, `no 500: ${res.status}`);
      return isCallback(url) ? { reached: true, status: res.status, error: undefined } : { reached: false, status: res.status, error: pageError(await res.text()) };
    }

    /**
     * Moves to a minute boundary at least two minutes on: later than any step a test has
     * accepted so far (at most two 60-second steps ahead), so a refusal is the window's, never
     * the replay guard's.
     */
    function nextCheck(): number {
      clock.set((Math.floor(clock.seconds() / 60) * 60 + 120) * 1000);
      return clock.seconds();
    }

    /** One sign-in: each of `refused` gets the wrong-code answer, then `accepted` signs in. */
    async function expectCodes(person: Person, what: string, refused: Array<[string, string]>, accepted: [string, string]) {
      const at = await signIn(person);
      assert.equal(at.status, 200, `${what}: the code page`);
      for (const [label, code] of refused) {
        const res = await enterCode(at, code);
        assert.equal(res.reached, false, `${what}: ${label} must be refused`);
        assert.deepEqual([res.status, res.error], [400, TOTP_FAILURE], `${what}: ${label}`);
      }
      const ok = await enterCode(at, accepted[1]);
      assert.ok(ok.reached, `${what}: ${accepted[0]} must be accepted (${ok.status}: ${ok.error ?? ''})`);
    }

    /** Signs in for the first time and enrolls; returns the secret and the enrollment page. */
    async function enroll(person: Person, period = 30, digits: 6 | 8 = 6) {
      const first = await signIn(person);
      assert.equal(first.status, 200);
      const secret = secretFromPage(first.page);
      const done = await enterCode(first, codeAt(secret, clock.seconds(), period, digits));
      assert.ok(done.reached, `enrolled (${done.status}: ${done.error ?? ''})`);
      return { secret, page: first.page };
    }

    /** The otpauth:// URI a phone reads from the enrollment page's QR image. */
    function scannedUri(page: string): URL {
      const src = /<img src="data:image\/png;base64,([^"]+)"/.exec(page)?.[1];
      assert.ok(src, 'a QR image on the page');
      return new URL(decodeQrFromPng(Buffer.from(src, 'base64')));
    }

    async function credential(person: Person) {
      const row = await server.deps.store.db.selectFrom('totp_credential').selectAll()
        .where('tenant_id', '=', server.tenant.id).where('user_id', '=', person.id).where('status', '=', 'active')
        .executeTakeFirst();
      assert.ok(row, `${person.username} has an active credential`);
      return row;
    }

    async function withParameters(overrides: Record<string, unknown>, work: () => Promise<void>) {
      await updateTotpParameters(server.deps, server.tenant.id, overrides);
      try {
        await work();
      } finally {
        await updateTotpParameters(server.deps, server.tenant.id, Object.fromEntries(Object.keys(overrides).map((k) => [k, null])));
      }
    }

    test('windowSize 3 (the default): the previous and the next step pass, two steps away fail', async () => {
      const tim = await newUser('window3');
      const { secret } = await enroll(tim);
      let t = nextCheck();
      await expectCodes(tim, 'window 3', [['two steps back', codeAt(secret, t - 60)], ['two steps ahead', codeAt(secret, t + 60)]], ['the previous step', codeAt(secret, t - 30)]);
      t = nextCheck();
      await expectCodes(tim, 'window 3', [], ['the next step', codeAt(secret, t + 30)]);
      // The window counts whole steps, not seconds: 1 s into a step, 32 s ago is two steps back.
      t = nextCheck() + 1;
      clock.set(t * 1000);
      await expectCodes(tim, 'window 3, early in a step', [['32 s ago (two steps back)', codeAt(secret, t - 32)], ['59 s ahead (two steps ahead)', codeAt(secret, t + 59)]], ['31 s ago (the previous step)', codeAt(secret, t - 31)]);
    });

    test('windowSize 1: only the current step passes', async () => {
      const una = await newUser('window1');
      const { secret } = await enroll(una);
      await withParameters({ windowSize: 1 }, async () => {
        const t = nextCheck();
        await expectCodes(una, 'window 1', [['the previous step', codeAt(secret, t - 30)], ['the next step', codeAt(secret, t + 30)]], ['the current step', codeAt(secret, t)]);
      });
    });

    test('windowSize 5: two steps away pass, three do not', async () => {
      const fay = await newUser('window5');
      const { secret } = await enroll(fay);
      await withParameters({ windowSize: 5 }, async () => {
        let t = nextCheck();
        await expectCodes(fay, 'window 5', [['three steps back', codeAt(secret, t - 90)], ['three steps ahead', codeAt(secret, t + 90)]], ['two steps back', codeAt(secret, t - 60)]);
        t = nextCheck();
        await expectCodes(fay, 'window 5', [], ['two steps ahead', codeAt(secret, t + 60)]);
      });
    });

    test('timeStepSize 60 for a new enrollment: the QR code and the page say 60 s, and codes follow 60 s steps', async () => {
      const sol = await newUser('period60');
      await withParameters({ timeStepSize: 60 }, async () => {
        const { secret, page } = await enroll(sol, 60);
        const uri = scannedUri(page);
        assert.equal(uri.protocol, 'otpauth:');
        assert.equal(uri.searchParams.get('period'), '60');
        assert.equal(uri.searchParams.get('secret'), secret);
        assert.match(page, /every 60 seconds/);
        assert.equal((await credential(sol)).period, 60);

        const t = nextCheck();
        // With 30 s steps the previous 60 s step would be two steps back, and the 30 s code would pass.
        await expectCodes(sol, 'period 60', [
          ['two 60 s steps back', codeAt(secret, t - 120, 60)],
          ['the code of a 30 s step', codeAt(secret, t, 30)],
        ], ['the previous 60 s step', codeAt(secret, t - 60, 60)]);
      });
    });

    test('an enrolled credential keeps its period when the tenant default changes afterwards', async () => {
      const thirty = await newUser('keeps30');
      const sixty = await newUser('keeps60');
      const a = await enroll(thirty, 30);
      let b = { secret: '' };
      await withParameters({ timeStepSize: 60 }, async () => {
        b = await enroll(sixty, 60);
        const t = nextCheck();
        await expectCodes(thirty, 'enrolled at 30 s, default now 60 s', [['two 30 s steps back', codeAt(a.secret, t - 60, 30)]], ['the previous 30 s step', codeAt(a.secret, t - 30, 30)]);
      });
      const t = nextCheck();
      await expectCodes(sixty, 'enrolled at 60 s, default back to 30 s', [['two 60 s steps back', codeAt(b.secret, t - 120, 60)]], ['the previous 60 s step', codeAt(b.secret, t - 60, 60)]);
      assert.equal((await credential(thirty)).period, 30);
      assert.equal((await credential(sixty)).period, 60);
    });

    test('digits 8 for a new enrollment: 8-digit codes, still after the default goes back to 6', async () => {
      const otto = await newUser('digits8');
      let secret = '';
      await withParameters({ digits: 8 }, async () => {
        const enrolled = await enroll(otto, 30, 8);
        secret = enrolled.secret;
        assert.equal(scannedUri(enrolled.page).searchParams.get('digits'), '8');
        assert.match(enrolled.page, /maxlength="8"/);
        assert.match(enrolled.page, /8 digits/);
      });
      assert.equal((await credential(otto)).digits, 8);
      const t = nextCheck();
      const at = await signIn(otto);
      assert.match(at.page, /maxlength="8"/);
      assert.match(at.page, /The 8-digit code/);
      const six = await enterCode(at, codeAt(secret, t, 30, 6));
      assert.deepEqual([six.reached, six.status, six.error], [false, 400, TOTP_FAILURE], 'the 6-digit form of the code is refused');
      assert.ok((await enterCode(at, codeAt(secret, t, 30, 8))).reached, 'the 8-digit code signs in');
    });
  });
}
