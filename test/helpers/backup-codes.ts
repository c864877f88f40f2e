// Sign-ins over HTTP through a step that offers the authenticator app or a backup code:
// the sequence, a server with such an application, a form post that keeps going page by
// page, and the TOTP way through the chooser that tests take to get tokens with a recent
// second factor.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/clock.js';
import { parseForm, type HttpBrowser } from './http-browser.js';
import { exchange } from './oidc-authorize.js';
import { startServer, type Dialect, type TestServer } from './test-server.js';
import { registerApp, type RegisteredApp } from './api.js';
import { codeAt, startTwoStep } from './totp.js';

export const BACKUP_CODE_FACTOR = 'backup-code-authenticator';

/** Step 2 offers the authenticator app or a backup code: the chooser shows both. */
export const WITH_BACKUP = {
  type: 'USER_DEFINED',
  steps: [
    { id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] },
    { id: 2, options: [{ idp: 'LOCAL', authenticator: 'totp' }, { idp: 'LOCAL', authenticator: BACKUP_CODE_FACTOR }] },
  ],
  subjectStepId: 1,
  attributeStepId: 1,
};

/**
 * For the enclosing suite, a server of its own (once an application takes backup codes,
 * every TOTP enrollment on the server offers them) with `choice`, an application whose
 * step 2 is the chooser and which may call the self-service API (internal_login). The
 * fields are set once the suite's before() hook ran; the server is closed after.
 */
export function useChooserApp(dialect: Dialect, clock: Clock): { server: TestServer; choice: RegisteredApp } {
  const env = {} as { server: TestServer; choice: RegisteredApp };
  before(async () => {
    env.server = await startServer({ dialect, clock, overrides: { identity_mgt: { login_rate_limit: { max_requests: 10000 } } } });
    env.choice = await registerApp(env.server, { name: 'choice', sequence: WITH_BACKUP, managementScopes: ['internal_login'], redirectUri: 'http://localhost:8787/choice/callback' });
  });
  after(() => env.server?.close());
  return env;
}

/** Starts a sign-in to `choice` (scope internal_login) and submits the password: the chooser of step 2. */
export function startAtChooser({ server, choice }: { server: TestServer; choice: RegisteredApp }, username: string, password: string, browser?: HttpBrowser) {
  return startTwoStep({
    issuer: server.tenant.issuer, clientId: choice.clientId, clientSecret: choice.clientSecret, redirectUri: choice.redirectUri,
    username, password, browser, params: { scope: 'openid internal_login' },
  });
}

/** A page of a sign-in in progress ('' once the browser reached the callback at `url`). */
export interface At { browser: HttpBrowser; url: string; status: number; page: string }

/** Submits the page's form with `fields`; returns the page that follows, or the callback URL (`reached`). */
export async function post(at: At, fields: Record<string, string>, redirectUri: string): Promise<At & { reached: boolean }> {
  const form = parseForm(at.page);
  const isCallback = (u: string) => u.startsWith(redirectUri);
  const next = await at.browser.follow(new URL(form.action, at.url).href, { form: { ...form.fields, ...fields } }, isCallback);
  const reached = isCallback(next.url);
  return { browser: at.browser, url: next.url, status: next.res.status, page: reached ? '' : await next.res.text(), reached };
}

/** The backup codes a page lists (the offer, the print view). */
export const codesOn = (page: string): string[] => [...page.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);

/**
 * From the chooser `step` shows: "Use your authenticator app" and the app's code for
 * `unixSeconds`; the tokens of the finished sign-in (amr has otp).
 */
export async function totpThroughChooser(step: Awaited<ReturnType<typeof startTwoStep>>, redirectUri: string, secret: string, unixSeconds: number) {
  const totp = await post(step, { choose: 'totp' }, redirectUri);
  const done = await post(totp, { token: codeAt(secret, unixSeconds) }, redirectUri);
  assert.ok(done.reached, `signed in with TOTP: ${done.page.slice(0, 300)}`);
  return exchange(step.config, { ...step.started, callback: new URL(done.url) });
}
