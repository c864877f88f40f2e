// The frame the Chromium tests share: one browser per file and, per dialect, a real server
// with the application's callback listener.
import { describe, before, after } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer, DIALECTS, type Dialect, type TestServer } from './test-server.js';
import { launchChromium } from './chromium.js';
import { startCallbackServer, type CallbackServer } from './callback-server.js';
import { manualClock } from './totp.js';

/** The enclosing suite's Chromium: `browser` is set once its before() hook ran, and closed after. */
export function useChromium(): { browser: Browser } {
  const chromium = {} as { browser: Browser };
  before(async () => { chromium.browser = await launchChromium(); });
  after(() => chromium.browser?.close());
  return chromium;
}

export interface ChromiumEnv {
  dialect: Dialect;
  browser: Browser;
  server: TestServer;
  /** The application's redirect URI, really listening. */
  rp: CallbackServer;
  /**
   * The server's own checks and records read this clock (TOTP steps, login times, session
   * activity); oidc-provider's token lifetimes keep real time. A test knows the server's time
   * step exactly and moves to the next one without waiting.
   */
  clock: ReturnType<typeof manualClock>;
}

/**
 * describe(`name`) with one Chromium, then describe(`on <dialect>`) for each dialect with a
 * server on a manual clock and a callback listener; `tests` declares the tests and reads the
 * environment inside them (it is filled in by before() hooks).
 */
export function describeInChromium(name: string, tests: (env: ChromiumEnv) => void): void {
  describe(name, () => {
    const chromium = useChromium();
    for (const dialect of DIALECTS) {
      describe(`on ${dialect}`, () => {
        const env = { dialect, clock: manualClock() } as ChromiumEnv;
        before(async () => {
          env.browser = chromium.browser;
          [env.server, env.rp] = await Promise.all([startServer({ dialect, clock: env.clock }), startCallbackServer()]);
        });
        after(async () => { await Promise.all([env.server?.close(), env.rp?.close()]); });
        tests(env);
      });
    }
  });
}
