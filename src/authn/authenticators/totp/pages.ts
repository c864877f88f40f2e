// The TOTP step's two pages. No scripts: the QR code is a server-rendered PNG, and the
// secret is printed for people who type it in.
import type { Page, StepContext } from '../../authenticator.js';
import { escapeHtml } from '../../../ui/html.js';

function codeField(digits: number, autofocus: boolean): string {
  return `
      <div class="field">
        <label for="token">Verification code</label>
        <input id="token" name="token" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="${digits}" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required${autofocus ? ' autofocus' : ''} aria-describedby="token-help">
        <p id="token-help" class="help">The ${digits}-digit code your authenticator app shows now.</p>
      </div>`;
}

export interface VerifyView {
  digits: number;
  /** Offer "Get a verification code by email" (the tenant allows it and the user has an address). */
  offerEmail: boolean;
  /** Where a code was mailed in this sign-in, if one was. */
  emailedTo?: string;
}

export function verifyPage(ctx: StepContext, view: VerifyView): Page {
  const intro = view.emailedTo
    ? `Enter the code from your authenticator app for ${escapeHtml(ctx.tenant.displayName)}, or the code we emailed to ${escapeHtml(view.emailedTo)}.`
    : `Open your authenticator app and enter the code it shows for ${escapeHtml(ctx.tenant.displayName)}.`;
  // A second submit button, so asking for the email needs no JavaScript; formnovalidate
  // lets it through with the code field empty.
  const email = view.offerEmail
    ? `<p class="alt"><button type="submit" name="sendToken" value="email" formnovalidate class="link">${view.emailedTo ? 'Send another code by email' : 'Get a verification code by email'}</button></p>`
    : '';
  return {
    title: 'Enter your verification code',
    heading: `Verify it's you`,
    html: `
      <p>${intro}</p>
      ${codeField(view.digits, true)}
      <button type="submit">Verify</button>
      ${email}`,
  };
}

/** Pixels; the PNG is rendered at exactly this size so the browser never rescales it. */
export const QR_SIZE = 240;

export interface EnrollView {
  qrDataUrl: string;
  /** The Base32 secret in groups of four, for typing into an app by hand. */
  secretGroups: string;
  issuer: string;
  account: string;
  digits: number;
  period: number;
  algorithm: string;
}

export function enrollPage(_ctx: StepContext, view: EnrollView): Page {
  const extra = view.algorithm !== 'SHA1' || view.digits !== 6 || view.period !== 30
    ? `<p class="help">If you type the key: time-based, ${escapeHtml(view.algorithm)}, ${view.digits} digits, every ${view.period} seconds.</p>`
    : `<p class="help">If you type the key, choose "time-based".</p>`;
  return {
    title: 'Set up your authenticator app',
    heading: 'Set up two-step verification',
    html: `
      <p>This application asks for a code from an authenticator app each time you sign in.</p>
      <ol>
        <li>Install an authenticator app on your phone: Google Authenticator, Microsoft Authenticator, Authy, FreeOTP or any other TOTP app.</li>
        <li>In the app, add an account and scan this QR code.</li>
        <li>Enter the code the app shows to finish.</li>
      </ol>
      <p class="qr"><img src="${escapeHtml(view.qrDataUrl)}" alt="QR code for setting up ${escapeHtml(view.issuer)} (${escapeHtml(view.account)}) in an authenticator app" width="${QR_SIZE}" height="${QR_SIZE}"></p>
      <p>Can't scan it? Enter this key in the app instead:</p>
      <p class="secret"><code aria-label="Setup key">${escapeHtml(view.secretGroups)}</code></p>
      ${extra}
      ${codeField(view.digits, false)}
      <button type="submit">Verify and finish</button>`,
  };
}
