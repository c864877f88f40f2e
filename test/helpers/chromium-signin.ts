// The steps of a sign-in in Chromium that the e2e tests share: a fresh browser context, the
// password page, a submit that reports what the POST led to, and TOTP enrollment by the
// setup key a person would type into their authenticator app.
import type { Browser, Page } from 'playwright-core';
import type { CallbackServer } from './callback-server.js';
import { codeAt } from './totp.js';

/**
 * Runs `use` on a page of a fresh context (own cookies) that fails in seconds, not
 * Playwright's 30, when a page never comes; the context is closed whatever happens.
 */
export async function inFreshPage<T>(browser: Browser, use: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  try {
    return await use(await context.newPage());
  } finally {
    await context.close();
  }
}

export async function signInWithPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export interface Submitted {
  status: number;
  /** Whether the POST ended at the application's callback. */
  reached: boolean;
  url: string;
  /** The page's alert (an error), '' when there is none or the callback was reached. */
  message: string;
  /** The page's status line (a notice), likewise. */
  notice: string;
}

/**
 * Clicks a submit button and waits for whatever the POST led to: the application's callback,
 * or a page with the server's message. Waiting for the outcome rather than for the hoped-for
 * page makes a refused or wrongly accepted submission fail at once, with its reason.
 */
export async function submit(page: Page, rp: CallbackServer, button: string | RegExp): Promise<Submitted> {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const landed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await page.getByRole('button', { name: button, exact: true }).click();
  const [response] = await Promise.all([posted, landed]);
  await page.waitForLoadState('domcontentloaded');
  const url = page.url();
  const reached = rp.isCallback(new URL(url));
  const text = async (role: 'alert' | 'status') => {
    if (reached) return '';
    const line = page.getByRole(role);
    return (await line.count()) === 0 ? '' : ((await line.textContent()) ?? '').trim();
  };
  return { status: response.status(), reached, url, message: await text('alert'), notice: await text('status') };
}

/** Types `code` into the TOTP page's field and submits it with its Verify button. */
export async function submitCode(page: Page, rp: CallbackServer, code: string, button: string | RegExp = /verify/i): Promise<Submitted> {
  await page.getByLabel('Verification code').fill(code);
  return submit(page, rp, button);
}

/** The setup key printed on the enrollment page, without the spaces between its groups. */
export async function setupKey(page: Page): Promise<string> {
  const key = await page.getByLabel('Setup key').textContent();
  if (!key) throw new Error('no setup key on the page');
  return key.replace(/\s/g, '');
}

/**
 * Enrolls the authenticator app on the enrollment page `page` shows: the setup key as a
 * person types it into the app, and the app's code for the clock's current time step.
 */
export async function enrollTotp(page: Page, rp: CallbackServer, clock: { seconds(): number }, button: string | RegExp = /verify/i) {
  const secret = await setupKey(page);
  const at = clock.seconds();
  return { secret, at, submitted: await submitCode(page, rp, codeAt(secret, at), button) };
}
