// Sends one email for a tenant: through the tenant's own sender, else the server-wide SMTP
// server, else into the development outbox. SMTP failures are outcomes, not exceptions:
// the caller (a login page, the test button) gets a reason and shows its own message.
// Logs carry the SMTP reply, never the password and never the body (it holds codes).
import type { Deps } from '../deps.js';
import { newId } from '../crypto/ids.js';
import { findEmailSender } from './email-sender.repository.js';
import { tenantSmtpSettings } from './email-sender.js';
import { addToOutbox } from './email-outbox.repository.js';
import { defaultFromAddress, serverSmtpSettings, type SmtpSettings } from './smtp-settings.js';
import { checkSmtpHost } from './host-check.js';
import { transportsOf } from './transports.js';
import { isMailbox, oneLine } from './email-address.js';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export type Delivery = 'tenant' | 'server' | 'outbox';

export type SendFailureReason =
  | 'invalid_recipient'
  | 'host_not_allowed'
  | 'dns_failed'
  | 'connection_failed'
  | 'timeout'
  | 'tls_unavailable'
  | 'tls_failed'
  | 'auth_failed'
  | 'rejected'
  | 'smtp_error';

export type SendResult =
  | { ok: true; messageId: string; delivery: Delivery; smtpResponse?: string }
  | { ok: false; delivery: Delivery; reason: SendFailureReason; message: string; smtpResponse?: string };

export async function sendEmail(deps: Deps, tenantId: string, message: EmailMessage): Promise<SendResult> {
  const row = await findEmailSender(deps.store.db, tenantId);
  let settings: SmtpSettings | undefined;
  try {
    settings = row ? tenantSmtpSettings(row, deps.secrets) : serverSmtpSettings(deps.config);
  } catch (err) {
    // A tenant password sealed under another encryption key: an outcome for the login page
    // (it offers the authenticator app instead), an error for the operator.
    deps.logger.error({ event: 'email_send_failed', tenantId, delivery: 'tenant', reason: 'smtp_error', error: (err as Error).message }, 'the tenant\'s SMTP password cannot be decrypted: was security.encryption_key changed?');
    return { ok: false, delivery: 'tenant', reason: 'smtp_error', message: 'the stored SMTP password cannot be decrypted; set the sender\'s password again' };
  }
  const delivery: Delivery = settings?.source ?? 'outbox';
  if (!isMailbox(message.to)) {
    return { ok: false, delivery, reason: 'invalid_recipient', message: 'the recipient is not one valid email address' };
  }
  const subject = oneLine(message.subject);
  if (!settings) return toOutbox(deps, tenantId, { ...message, subject });

  const email = deps.config.output_adapter.email;
  const deadline = Date.now() + email.timeout_seconds * 1000;
  const log = { tenantId, delivery, host: settings.host, port: settings.port };
  let connectTo = settings.host;
  if (settings.source === 'tenant') {
    // Checked on every send, not only when saved: the name may resolve elsewhere by now.
    const check = await checkSmtpHost(settings.host, email.allow_private_hosts, Math.max(deadline - Date.now(), 1));
    if (!check.ok) {
      deps.logger.warn({ event: 'email_send_failed', ...log, reason: check.reason, addresses: check.addresses }, check.message);
      return { ok: false, delivery, reason: check.reason, message: check.message };
    }
    connectTo = check.addresses[0]!;
  }

  const transporter = transportsOf(deps).get(settings.source === 'tenant' ? tenantId : 'server', { connectTo, settings });
  try {
    const info = await transporter.sendMail({
      from: { name: settings.fromName, address: settings.fromAddress },
      to: { name: '', address: message.to },
      ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
      subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      // Bounds the whole send (queueing, connect, greeting, TLS, AUTH, DATA): a login page
      // waits at most timeout_seconds. An aborted delivery's connection is closed.
      signal: AbortSignal.timeout(Math.max(deadline - Date.now(), 1)),
    });
    const messageId = String(info.messageId ?? '');
    deps.logger.info({ event: 'email_sent', ...log, messageId, smtpResponse: info.response }, 'email sent');
    return { ok: true, delivery, messageId, ...(info.response ? { smtpResponse: String(info.response) } : {}) };
  } catch (err) {
    const failure = describeFailure(err, email.timeout_seconds, settings);
    const e = err as SmtpError;
    deps.logger.warn({
      event: 'email_send_failed', ...log, reason: failure.reason,
      smtpCode: e.responseCode, smtpCommand: e.command, smtpResponse: e.response, error: e.code ?? e.name, cause: e.originalCode,
    }, `email could not be sent: ${failure.message}`);
    return { ok: false, delivery, ...failure };
  }
}

async function toOutbox(deps: Deps, tenantId: string, message: EmailMessage): Promise<SendResult> {
  const email = deps.config.output_adapter.email;
  const id = newId();
  const nowMs = deps.clock.now().getTime();
  await addToOutbox(deps.store.db, {
    tenant_id: tenantId,
    id,
    to_address: message.to,
    from_address: defaultFromAddress(deps.config),
    subject: message.subject,
    text_body: message.text,
    html_body: message.html ?? null,
    created_at_ms: nowMs,
  }, { maxMessages: email.outbox_max_messages, retentionMs: email.outbox_retention_minutes * 60_000, nowMs });
  deps.logger.info({ event: 'email_to_outbox', tenantId, messageId: id }, 'email stored in the development outbox (no SMTP server configured)');
  return { ok: true, delivery: 'outbox', messageId: id };
}

/** What nodemailer puts on its errors. */
interface SmtpError {
  name?: string;
  code?: string;
  originalCode?: string;
  message?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

// OpenSSL's verification codes as Node reports them, and Node's own host-name mismatch.
const isCertificateError = (code: string): boolean =>
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID';

function describeFailure(err: unknown, timeoutSeconds: number, settings: SmtpSettings): { reason: SendFailureReason; message: string; smtpResponse?: string } {
  const e = (err ?? {}) as SmtpError;
  const reply = e.response ? { smtpResponse: e.response } : {};
  const where = `${settings.host}:${settings.port}`;
  if (e.name === 'AbortError' || e.code === 'EABORT' || e.code === 'ETIMEDOUT') {
    return { reason: 'timeout', message: `the SMTP server ${where} did not complete the send within ${timeoutSeconds} s` };
  }
  const tlsCode = [e.originalCode, e.code].find((code) => code && (isCertificateError(code) || code.startsWith('ERR_SSL_')));
  if (tlsCode && isCertificateError(tlsCode)) {
    return { reason: 'tls_failed', message: `the SMTP server ${where} presented a certificate that does not verify (${tlsCode}); nothing was sent and the password was not used`, ...reply };
  }
  if (tlsCode) {
    return { reason: 'tls_failed', message: `the TLS handshake with ${where} failed (${tlsCode}); check tls_on_connect (true for port 465, false for 587); nothing was sent`, ...reply };
  }
  switch (e.code) {
    case 'EDNS':
      return { reason: 'dns_failed', message: `the SMTP host ${settings.host} does not resolve` };
    case 'ETLS':
      if (e.command === 'STARTTLS' && e.response) {
        return { reason: 'tls_unavailable', message: `the SMTP server ${where} does not offer STARTTLS, which enable_start_tls requires; nothing was sent and the password was not used`, ...reply };
      }
      return { reason: 'tls_failed', message: `TLS with the SMTP server ${where} failed (${e.message ?? 'handshake error'}); nothing was sent`, ...reply };
    case 'EAUTH':
    case 'ENOAUTH':
      return { reason: 'auth_failed', message: `the SMTP server ${where} refused the user name or password`, ...reply };
    case 'EENVELOPE':
    case 'EMESSAGE':
      return { reason: 'rejected', message: `the SMTP server ${where} refused the message`, ...reply };
    case 'ECONNECTION':
    case 'ESOCKET':
      if (e.originalCode === 'ECONNREFUSED' || e.originalCode === 'ECONNRESET' || e.originalCode === 'EHOSTUNREACH' || e.originalCode === 'ENETUNREACH' || !e.response) {
        return { reason: 'connection_failed', message: `could not talk to the SMTP server ${where} (${e.originalCode ?? e.message ?? 'connection closed'})`, ...reply };
      }
      return { reason: 'smtp_error', message: `the SMTP server ${where} ended the session`, ...reply };
    default:
      return { reason: 'smtp_error', message: `sending through ${where} failed${e.code ? ` (${e.code})` : ''}`, ...reply };
  }
}
