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
  /** The callback URL this page was redirected to, once it happens. */
  callback(): string | undefined;
}

/**
 * A fresh context whose page records its arrival at the application's callback. The
 * callback must really listen (test/helpers/callback-server.ts): Playwright does not route
 * the hops of a redirect, so intercepting the callback origin would only catch Chromium's
 * reload of a connection-refused page.
 */
export async function openContext(browser: Browser, callbacks: { isCallback(url: URL): boolean }, options: BrowserContextOptions = {}): Promise<CallbackPage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  let captured: string | undefined;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && callbacks.isCallback(new URL(frame.url()))) captured ??= frame.url();
  });
  return { context, page, callback: () => captured };
}
