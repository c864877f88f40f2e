// What the admin console's browser tests share: the console built as the server serves it,
// a signed-in page, waiting for a save's toast, the description a field's error gives it,
// axe-core and the 360 px check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AXE_SOURCE = readFileSync(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8');

/** The project's build script (a no-op when dist/console/ is newer than console/). */
export function ensureConsoleBuilt(): void {
  const built = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, `building the console failed: ${built.stderr}`);
}

/** A fresh context in UTC (so datetime-local fields read like the server's ISO times). */
export async function newConsolePage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', locale: 'en-US' });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** Opens the console, which sends the browser to the real login page, and signs in there. */
export async function signInToConsole(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A fresh page signed in to the console, waiting on the page it opens first (Service Providers). */
export async function signedInConsolePage(browser: Browser, baseUrl: string, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await newConsolePage(browser);
  await signInToConsole(opened.page, baseUrl, username, password);
  await opened.page.getByRole('heading', { level: 1, name: 'Service Providers' }).waitFor();
  return opened;
}

/** Waits for the toast that confirms an action, failing with the page's error when one shows instead. */
export async function expectToast(page: Page, text: RegExp): Promise<string> {
  const toast = page.locator('.toasts').getByText(text);
  const problem = page.getByRole('alert');
  await Promise.race([toast.first().waitFor(), problem.first().waitFor()]);
  if (await problem.count()) assert.fail(`the page shows an error instead of ${text}: ${await problem.first().innerText()}`);
  return toast.first().innerText();
}

/** Closes every toast on the page (they stay up for 6 s). */
export async function dismissToasts(page: Page): Promise<void> {
  const dismiss = page.getByRole('button', { name: 'Dismiss' });
  while (await dismiss.count()) await dismiss.first().click();
}

/**
 * Does `action` and waits for the toast that confirms it, failing with the page's error
 * when there is one instead. Older toasts are dismissed first, so only this action's counts.
 */
export async function expectToastAfter(page: Page, text: RegExp, action: () => Promise<void>): Promise<void> {
  await dismissToasts(page);
  await action();
  await expectToast(page, text);
}

/** The text of the elements a control's aria-describedby names (its hint and its error). */
export async function descriptionOf(control: Locator): Promise<string> {
  return control.evaluate((el) => {
    const doc = (el as unknown as { ownerDocument: { getElementById(id: string): { textContent: string | null } | null } }).ownerDocument;
    const ids = ((el as unknown as { getAttribute(name: string): string | null }).getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    return ids.map((id) => doc.getElementById(id)?.textContent ?? '').join(' ');
  });
}

/** Serious and critical axe-core violations (evaluated, so the console's CSP does not stop it). */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // Runs in the page; the project's tsconfig has no DOM types.
    const axe = (globalThis as unknown as { axe: { run(options: unknown): Promise<{ passes: unknown[]; violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const run = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return { passed: run.passes.length, list: run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })) };
  });
  assert.ok(result.passed > 10, `axe ran its checks (${result.passed} passed)`);
  return result.list.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

/** How far the page scrolls sideways (0: it fits the viewport). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}
