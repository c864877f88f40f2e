// Debian's Chromium through playwright-core for the e2e tests: never downloads a browser.
// Launch one per test file and close it in after().
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.GATEHOUSE_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface CallbackPage {
  context: BrowserContext;
  page: Page;
  /** The URL the browser was redirected to under `callbackOrigin`, once it happens. */
  callback(): string | undefined;
}

/**
 * A fresh context whose requests to the application's callback origin (nothing listens
 * there) are answered by the test and recorded, so the redirect with the code is captured.
 */
export async function openContext(browser: Browser, callbackOrigin: string, options: BrowserContextOptions = {}): Promise<CallbackPage> {
  const context = await browser.newContext(options);
  let captured: string | undefined;
  await context.route(`${callbackOrigin}/**`, (route) => {
    captured ??= route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' });
  });
  const page = await context.newPage();
  return { context, page, callback: () => captured };
}
