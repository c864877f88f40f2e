// A tenant's email sender in WSO2's API shape (/api/server/v1/notification-senders/email):
// validation of what an administrator posts, the stored row, and the view the API returns
// (never the password).
import type { Selectable } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.js';
import { badRequest, shown } from '../errors.js';
import type { EmailSenderTable } from './email-sender.table.js';
import type { SmtpSettings } from './smtp-settings.js';
import { isMailbox, isSmtpHost, oneLine } from './email-address.js';

export type EmailSenderRow = Selectable<EmailSenderTable>;

/** WSO2 names the one email sender of a tenant "EmailPublisher"; we keep one per tenant too. */
export const SENDER_NAME = 'EmailPublisher';

const BOOLEAN_PROPERTIES = ['enable_start_tls', 'enable_authentication', 'tls_on_connect'] as const;
const TEXT_PROPERTIES = ['mail.smtp.signature', 'mail.smtp.replyTo'] as const;
export const PROPERTY_KEYS: readonly string[] = [...TEXT_PROPERTIES, ...BOOLEAN_PROPERTIES];

export interface Property { key: string; value: string }

export interface EmailSenderView {
  name: string;
  smtpServerHost: string;
  smtpPort: number;
  fromAddress: string;
  userName: string;
  /** Whether a password is stored; the password itself is write-only. */
  passwordSet: boolean;
  properties: Property[];
}

/** A validated sender, before it is stored. */
export interface SenderInput {
  host: string;
  port: number;
  fromAddress: string;
  username: string;
  /** A new password; when absent the stored one is kept if keepStoredPassword, else dropped. */
  password?: string;
  keepStoredPassword: boolean;
  properties: Record<string, string>;
}


const flag = (properties: Record<string, string>, key: string, fallback: boolean): boolean =>
  properties[key] === undefined ? fallback : properties[key] === 'true';

/** The TLS and AUTH behaviour a sender's properties ask for (defaults as in [output_adapter.email]). */
export function senderFlags(properties: Record<string, string>) {
  const tlsOnConnect = flag(properties, 'tls_on_connect', false);
  return {
    tlsOnConnect,
    startTls: !tlsOnConnect && flag(properties, 'enable_start_tls', true),
    authenticate: flag(properties, 'enable_authentication', true),
  };
}

/**
 * Checks a POST/PUT body. Every problem is reported at once, in one 400.
 * `existing` is the stored sender on PUT: its password is kept when none is sent, unless
 * what the password would be sent to (host, port, user name, TLS) changes.
 */
export function parseSenderInput(body: unknown, existing?: EmailSenderRow): SenderInput {
  const problems: string[] = [];
  const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) problems.push('the body must be a JSON object');

  if (input.name !== undefined && input.name !== SENDER_NAME) problems.push(`name must be "${SENDER_NAME}" (one email sender per tenant)`);

  let host = '';
  if (typeof input.smtpServerHost !== 'string' || input.smtpServerHost.trim() === '') problems.push('smtpServerHost is required: the SMTP server\'s host name, e.g. smtp.example.com');
  else {
    host = input.smtpServerHost.trim();
    if (!isSmtpHost(host)) problems.push('smtpServerHost must be a host name or IP address, without scheme or port');
  }

  let port = 0;
  if (typeof input.smtpPort !== 'number' || !Number.isInteger(input.smtpPort) || input.smtpPort < 1 || input.smtpPort > 65535) {
    problems.push('smtpPort must be a whole number from 1 to 65535 (587 for STARTTLS, 465 with tls_on_connect)');
  } else port = input.smtpPort;

  if (!isMailbox(input.fromAddress)) problems.push('fromAddress must be one email address, e.g. no-reply@example.com');

  let username = '';
  if (input.userName !== undefined && input.userName !== null) {
    if (typeof input.userName !== 'string' || input.userName.length > 255 || input.userName !== oneLine(input.userName)) problems.push('userName must be a string of at most 255 characters on one line');
    else username = input.userName;
  }

  let password: string | undefined;
  if (input.password !== undefined && input.password !== null) {
    if (typeof input.password !== 'string' || input.password.length > 1024 || /[\r\n\0]/.test(input.password)) problems.push('password must be a string of at most 1024 characters on one line');
    // An empty field in a form means "unchanged", as for an omitted one.
    else if (input.password !== '') password = input.password;
  }

  const properties: Record<string, string> = {};
  if (input.properties !== undefined && input.properties !== null) {
    if (!Array.isArray(input.properties)) problems.push('properties must be a list of {key, value}');
    else {
      for (const item of input.properties as unknown[]) {
        const { key, value } = (typeof item === 'object' && item !== null ? item : {}) as { key?: unknown; value?: unknown };
        if (typeof key !== 'string' || !PROPERTY_KEYS.includes(key)) {
          problems.push(`unknown property ${shown(key)}: known properties are ${PROPERTY_KEYS.join(', ')}`);
          continue;
        }
        if (key in properties) { problems.push(`property ${key} is given twice`); continue; }
        if ((BOOLEAN_PROPERTIES as readonly string[]).includes(key)) {
          if (value !== true && value !== false && value !== 'true' && value !== 'false') problems.push(`property ${key} must be "true" or "false"`);
          else properties[key] = String(value);
        } else if (key === 'mail.smtp.replyTo') {
          if (value === '' || value === undefined || value === null) continue;
          if (!isMailbox(value)) problems.push('property mail.smtp.replyTo must be one email address');
          else properties[key] = value;
        } else if (typeof value !== 'string' || value.length > 255) problems.push(`property ${key} must be a string of at most 255 characters`);
        else if (value !== '') properties[key] = oneLine(value);
      }
    }
  }

  const flags = senderFlags(properties);
  // The stored password survives a PUT without one only while it would go to the same place.
  // Otherwise an administrator who never knew it could point the sender at their own server
  // (or turn TLS off) and read it from the AUTH command.
  const old = existing ? senderFlags(JSON.parse(existing.properties) as Record<string, string>) : undefined;
  const keepStored = !!existing && !!old && existing.password !== null && password === undefined
    && existing.smtp_host.toLowerCase() === host.toLowerCase() && existing.smtp_port === port && existing.username === username
    && old.startTls === flags.startTls && old.tlsOnConnect === flags.tlsOnConnect;
  if (flags.authenticate && username === '') problems.push('userName is required while enable_authentication is true (set the property enable_authentication to "false" for a server without AUTH)');
  if (flags.authenticate && username !== '' && password === undefined && !keepStored) {
    problems.push(existing?.password ? 'password is required again when the host, port, user name or TLS settings change' : 'password is required while enable_authentication is true');
  }

  if (problems.length) throw badRequest(`invalid email sender: ${problems.join('; ')}`, { problems });
  return { host, port, fromAddress: input.fromAddress as string, username, ...(password !== undefined ? { password } : {}), keepStoredPassword: keepStored, properties };
}

export function toSenderView(row: EmailSenderRow): EmailSenderView {
  const properties = JSON.parse(row.properties) as Record<string, string>;
  return {
    name: row.name,
    smtpServerHost: row.smtp_host,
    smtpPort: row.smtp_port,
    fromAddress: row.from_address,
    userName: row.username,
    passwordSet: row.password !== null,
    properties: Object.entries(properties).map(([key, value]) => ({ key, value })),
  };
}

export function tenantSmtpSettings(row: EmailSenderRow, secrets: SecretBox): SmtpSettings {
  const properties = JSON.parse(row.properties) as Record<string, string>;
  const flags = senderFlags(properties);
  const replyTo = properties['mail.smtp.replyTo'];
  return {
    source: 'tenant',
    host: row.smtp_host,
    port: row.smtp_port,
    fromAddress: row.from_address,
    fromName: properties['mail.smtp.signature'] ?? '',
    ...(replyTo ? { replyTo } : {}),
    username: row.username,
    password: row.password === null ? '' : secrets.open(row.password),
    startTls: flags.startTls,
    tlsOnConnect: flags.tlsOnConnect,
    authenticate: flags.authenticate && row.username !== '',
  };
}
