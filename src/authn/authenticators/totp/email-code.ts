// "Get a verification code by email" on the TOTP page. WSO2 mails the current TOTP, which
// expires in about a minute and so often before slow mail arrives; ours is a separate
// single-use code, valid for minutes, bound to this sign-in (kept in its state, only as a
// keyed hash), checked under the TOTP lockout. Sending is rate-limited per user and per IP.
import { randomInt } from 'node:crypto';
import type { StepContext } from '../../authenticator.js';
import type { User } from '../../../users/user.js';
import { epochSeconds } from '../../../clock.js';
import { codesEqual } from '../../../otp/index.js';
import { composeEmail } from '../../../notifications/templates/compose.js';
import { sendEmail } from '../../../notifications/mailer.js';
import { recordSend, sendWait, type SendLimit } from '../../../notifications/send-limit.js';

const PURPOSE = 'totp-email-code';

/** What the sign-in keeps about the code it mailed. */
export interface EmailCodeState {
  digest: string;
  expiresAt: number;
  /** Masked address, for the page. */
  sentTo: string;
}

/** "alice@example.com" → "a•••@example.com": enough to recognise, not to harvest. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${address[0]}•••${address.slice(at)}`;
}

export function emailOf(user: User): string | undefined {
  const email = user.claims.email;
  return typeof email === 'string' && email.includes('@') ? email : undefined;
}

function limitOf(ctx: StepContext): SendLimit {
  const c = ctx.deps.config.authentication.authenticator.totp.email_code;
  return { minIntervalSeconds: c.min_interval_seconds, maxPerWindow: c.max_per_window, windowSeconds: c.window_seconds };
}

export type SendOutcome =
  | { sent: true; state: EmailCodeState; minutes: number }
  | { sent: false; message: string };

const waitMessage = (seconds: number) => seconds < 90
  ? `You can ask for another email in ${seconds} seconds. Meanwhile you can use your authenticator app.`
  : `You can ask for another email in ${Math.ceil(seconds / 60)} minutes. Meanwhile you can use your authenticator app.`;

export async function sendEmailCode(ctx: StepContext, user: User, digits: number): Promise<SendOutcome> {
  const { deps, tenant } = ctx;
  const to = emailOf(user);
  if (!to) return { sent: false, message: 'Your account has no email address. Use your authenticator app.' };
  const now = epochSeconds(deps.clock);
  const keys = [`user:${user.id}`, ...(ctx.clientIp ? [`ip:${ctx.clientIp}`] : [])];
  const limit = limitOf(ctx);
  const wait = await sendWait(deps.store.db, tenant.id, keys, limit, now);
  if (wait > 0) return { sent: false, message: waitMessage(wait) };
  // Counted before sending: a failing SMTP server must not be hammered either.
  await recordSend(deps.store.db, tenant.id, keys, limit, now);

  const code = String(randomInt(0, 10 ** digits)).padStart(digits, '0');
  const mail = await composeEmail(deps, tenant, 'TOTP', { username: user.username, claims: user.claims }, { token: code });
  const result = await sendEmail(deps, tenant.id, { to, subject: mail.subject, text: mail.text, html: mail.html });
  if (!result.ok) {
    deps.logger.warn({ event: 'totp_email_failed', tenantId: tenant.id, userId: user.id, reason: result.reason, smtpResponse: result.smtpResponse }, 'could not send the TOTP email');
    return { sent: false, message: 'We could not send the email. Try again or use your authenticator app.' };
  }
  deps.logger.info({ event: 'totp_email_sent', tenantId: tenant.id, userId: user.id, delivery: result.delivery }, 'TOTP code sent by email');
  const validity = deps.config.authentication.authenticator.totp.email_code.validity_seconds;
  return {
    sent: true,
    minutes: Math.round(validity / 60),
    state: { digest: deps.secrets.digest(PURPOSE, code), expiresAt: now + validity, sentTo: maskAddress(to) },
  };
}

/** Whether `code` is the unexpired code this sign-in mailed. */
export function matchesEmailCode(ctx: StepContext, state: EmailCodeState | undefined, code: string): boolean {
  if (!state || state.expiresAt <= epochSeconds(ctx.deps.clock)) return false;
  return codesEqual(ctx.deps.secrets.digest(PURPOSE, code), state.digest);
}
