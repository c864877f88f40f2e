// The backup-code pages: the sign-in step, and the offer shown right after TOTP enrollment
// (offer, the new codes once, a print view). No scripts (the CSP forbids them): printing
// is the browser's own Print command on a page laid out for paper.
import type { Page, StepContext } from '../../authenticator.js';
import { escapeHtml } from '../../../ui/html.js';

export function codePage(_ctx: StepContext): Page {
  return {
    title: 'Enter a backup code',
    heading: 'Verify it\'s you',
    html: `
      <p>Enter one of the backup codes you saved when you set up two-step verification. Each code works once.</p>
      <div class="field">
        <label for="backup-code">Backup code</label>
        <input id="backup-code" name="BackupCode" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="32" required autofocus aria-describedby="backup-code-help">
        <p id="backup-code-help" class="help">Ten letters and digits, like 7KQ2M-9XD4R. Upper or lower case, with or without the dash.</p>
      </div>
      <button type="submit">Verify</button>`,
  };
}

export function noCodesPage(_ctx: StepContext): Page {
  return {
    title: 'No backup codes left',
    heading: 'No backup codes left',
    html: `
      <p>Your account has no unused backup codes, so this way of signing in is not available.</p>
      <p>Use another way to verify it's you if this sign-in offers one (such as your authenticator app), or ask your administrator to reset two-step verification for your account.</p>`,
  };
}

export function offerPage(existing: number): Page {
  const replaces = existing > 0
    ? `<p class="help">You still have ${existing} unused backup code${existing === 1 ? '' : 's'} from before. New codes replace them.</p>`
    : '';
  return {
    title: 'Two-step verification is set up',
    heading: 'Two-step verification is set up',
    html: `
      <p>From now on you will enter a code from your authenticator app when you sign in.</p>
      <p>If you lose your phone, backup codes let you sign in instead: ten codes, each works once. Create them now and keep them somewhere safe, such as a password manager or a printed copy.</p>
      ${replaces}
      <button type="submit" name="backupCodes" value="create" formnovalidate>Create backup codes</button>
      <p class="alt"><button type="submit" name="backupCodes" value="skip" formnovalidate class="link">Continue without</button></p>`,
  };
}

export interface CodesView {
  codes: readonly string[];
  account: string;
  organization: string;
  /** Epoch seconds. */
  createdAt: number;
}

const CODES_STYLE = `<style>
  .codes{list-style:none;padding:.5rem;margin:1rem 0;display:grid;grid-template-columns:1fr 1fr;gap:.35rem 1rem;background:#f9fafb;border-radius:6px}
  .codes code{font:600 1.05rem/1.6 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em}
  @media print{body{background:#fff}main{box-shadow:none;margin:0;max-width:none;padding:0}footer,form~p,.no-print{display:none}.codes{background:none}}
</style>`;

const codeList = (codes: readonly string[]): string =>
  `<ul class="codes" aria-label="Backup codes">${codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>`;

const day = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The text file "Download" saves. */
export function codesText(view: CodesView): string {
  return [
    `Backup codes for ${view.account} at ${view.organization}`,
    `Created ${day(view.createdAt)}. Each code works once; creating new codes makes these stop working.`,
    '',
    ...view.codes,
    '',
  ].join('\n');
}

export function codesPage(view: CodesView): Page {
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(codesText(view))}`;
  return {
    title: 'Save your backup codes',
    heading: 'Save your backup codes',
    html: `${CODES_STYLE}
      <p>Each code works once. This is the only time they are shown: save or print them now, and keep them apart from your phone.</p>
      ${codeList(view.codes)}
      <p><a href="${escapeHtml(href)}" download="backup-codes.txt">Download the codes (backup-codes.txt)</a></p>
      <p><button type="submit" name="backupCodes" value="print" formnovalidate class="link">Print view</button></p>
      <button type="submit" name="backupCodes" value="continue" formnovalidate>Continue</button>`,
  };
}

export function printPage(view: CodesView): Page {
  return {
    title: 'Backup codes',
    heading: `Backup codes for ${view.account}`,
    html: `${CODES_STYLE}
      <p>${escapeHtml(view.organization)} · created ${day(view.createdAt)}</p>
      <p>Each code works once. Keep this paper somewhere safe, away from your phone.</p>
      ${codeList(view.codes)}
      <div class="no-print">
        <p class="help">Print this page with your browser's Print command (Ctrl+P, or ⌘P on a Mac).</p>
        <p><button type="submit" name="backupCodes" value="codes" formnovalidate class="link">Back</button></p>
        <button type="submit" name="backupCodes" value="continue" formnovalidate>Continue</button>
      </div>`,
  };
}
