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
import { takeSend, type SendLimit } from '../../../notifications/send-limit.js';

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
  | { sent: true; state: EmailCodeState; validFor: string }
  | { sent: false; message: string };

/**
 * "30 seconds", "1 minute", "10 minutes". Validity rounds down (never promise more time
 * than there is); a wait rounds up (never invite a retry that will be refused).
 */
export function duration(seconds: number, round: 'down' | 'up' = 'down'): string {
  if (seconds < 90) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = round === 'up' ? Math.ceil(seconds / 60) : Math.floor(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

const waitMessage = (seconds: number) =>
  `You can ask for another email in ${duration(seconds, 'up')}. Meanwhile you can use your authenticator app.`;

export async function sendEmailCode(ctx: StepContext, user: User, digits: number): Promise<SendOutcome> {
  const { deps, tenant } = ctx;
  const to = emailOf(user);
  if (!to) return { sent: false, message: 'Your account has no email address. Use your authenticator app.' };
  const now = epochSeconds(deps.clock);
  const keys = [`user:${user.id}`, ...(ctx.clientIp ? [`ip:${ctx.clientIp}`] : [])];
  const limit = limitOf(ctx);
  // Counted before sending: a failing SMTP server must not be hammered either.
  const wait = await takeSend(deps.store, tenant.id, keys, limit, now);
  if (wait > 0) return { sent: false, message: waitMessage(wait) };

  const code = String(randomInt(0, 10 ** digits)).padStart(digits, '0');
  const mail = await composeEmail(deps, tenant, 'TOTP', { username: user.username, claims: user.claims }, { token: code });
  const result = await sendEmail(deps, tenant.id, { to, subject: mail.subject, text: mail.text, html: mail.html });
  if (!result.ok) {
    deps.logger.warn({ event: 'totp_email_failed', tenantId: tenant.id, userId: user.id, reason: result.reason, smtpResponse: result.smtpResponse }, 'could not send the TOTP email');
    return { sent: false, message: 'We could not send the email. Try again or use your authenticator app.' };
  }
  deps.logger.info({ event: 'totp_email_sent', tenantId: tenant.id, userId: user.id, delivery: result.delivery }, 'TOTP code sent by email');
  // Never valid past the sign-in it belongs to: the page must not promise more time than that.
  const configured = deps.config.authentication.authenticator.totp.email_code.validity_seconds;
  const validity = Math.max(0, Math.min(configured, (ctx.loginExpiresAt ?? Infinity) - now));
  return {
    sent: true,
    validFor: duration(validity),
    state: { digest: deps.secrets.digest(PURPOSE, code), expiresAt: now + validity, sentTo: maskAddress(to) },
  };
}

/** The codes of `sent` still valid now. */
export function liveEmailCodes(ctx: StepContext, sent: readonly EmailCodeState[] | undefined): EmailCodeState[] {
  const now = epochSeconds(ctx.deps.clock);
  return (sent ?? []).filter((s) => s.expiresAt > now);
}

/**
 * Which unexpired code this sign-in mailed `code` is, or -1. Every earlier code stays
 * valid until it expires: when mail is slow the user asks again, and the first mail may
 * still be the one that arrives first.
 */
export function matchEmailCode(ctx: StepContext, sent: readonly EmailCodeState[] | undefined, code: string): number {
  const digest = ctx.deps.secrets.digest(PURPOSE, code);
  const now = epochSeconds(ctx.deps.clock);
  let found = -1;
  (sent ?? []).forEach((s, i) => {
    if (codesEqual(digest, s.digest) && s.expiresAt > now) found = i;
  });
  return found;
}
