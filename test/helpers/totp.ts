// Drives the TOTP step of a sign-in over HTTP, computing codes like an authenticator app.
import { base32Decode, totp } from '../../src/otp/index.js';
import type { Clock } from '../../src/clock.js';
import { HttpBrowser, parseForm } from './http-browser.js';
import { discover } from './oidc-login.js';
import { authorize, type AuthorizeResult } from './oidc-authorize.js';

export const TWO_STEP = {
  type: 'USER_DEFINED',
  steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }, { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }] }],
  subjectStepId: 1,
  attributeStepId: 1,
};

/** A clock the test moves; starts at a step boundary so "next step" is unambiguous. */
export function manualClock(start = Date.UTC(2026, 10, 27, 12, 0, 0)): Clock & { set(ms: number): void; advance(seconds: number): void; seconds(): number } {
  let now = start;
  return {
    now: () => new Date(now),
    set: (ms) => { now = ms; },
    advance: (seconds) => { now += seconds * 1000; },
    seconds: () => Math.floor(now / 1000),
  };
}

/** The setup key printed on the enrollment page (groups of four), without spaces. */
export function secretFromPage(html: string): string {
  const match = /<code aria-label="Setup key">([A-Z2-7 ]+)<\/code>/.exec(html);
  if (!match) throw new Error('no setup key on the page');
  return match[1]!.replace(/ /g, '');
}

export function codeAt(secret: string, unixSeconds: number, period = 30, digits: 6 | 8 = 6): string {
  return totp(base32Decode(secret), unixSeconds, { algorithm: 'SHA1', digits, period });
}

export interface Step {
  browser: HttpBrowser;
  url: string;
  status: number;
  page: string;
  started: AuthorizeResult;
}

/** Starts a sign-in and submits the password; returns the page that follows (TOTP) or the callback. */
export async function startTwoStep(opts: { issuer: string; clientId: string; clientSecret?: string; redirectUri: string; username: string; password: string; browser?: HttpBrowser; params?: Record<string, string> }) {
  const config = await discover(opts.issuer, opts.clientId, opts.clientSecret);
  const browser = opts.browser ?? new HttpBrowser();
  const started = await authorize(config, browser, opts.redirectUri, opts.params);
  const isCallback = (u: string) => u.startsWith(opts.redirectUri);
  if (started.callback) return { config, browser, started, url: started.url, status: 302, page: '' };
  const login = parseForm(await started.res.text());
  const after = await browser.follow(new URL(login.action, started.url).href, { form: { ...login.fields, username: opts.username, password: opts.password } }, isCallback);
  return { config, browser, started, url: after.url, status: after.res.status, page: isCallback(after.url) ? '' : await after.res.text() };
}

/** Posts a code on the current TOTP page; returns where the browser ended. */
export async function submitCode(browser: HttpBrowser, pageUrl: string, page: string, code: string, redirectUri: string) {
  const form = parseForm(page);
  const isCallback = (u: string) => u.startsWith(redirectUri);
  const after = await browser.follow(new URL(form.action, pageUrl).href, { form: { ...form.fields, token: code } }, isCallback);
  return { url: after.url, status: after.res.status, page: isCallback(after.url) ? '' : await after.res.text() };
}
