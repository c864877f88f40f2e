// Where a tenant's mail goes: its own sender, else the server-wide [output_adapter.email],
// else the development outbox. Both SMTP forms resolve to one SmtpSettings.
import type { Config } from '../config/schema.js';

export interface SmtpSettings {
  source: 'tenant' | 'server';
  host: string;
  port: number;
  fromAddress: string;
  /** Display name with the From address (WSO2's signature). */
  fromName: string;
  replyTo?: string;
  username: string;
  password: string;
  /** STARTTLS is required: no upgrade, no send. */
  startTls: boolean;
  tlsOnConnect: boolean;
  authenticate: boolean;
}

type EmailConfig = Config['output_adapter']['email'];

/** From address used when none is configured: the user name if it is an address, else no-reply@ the public host. */
export function defaultFromAddress(config: Config): string {
  const email = config.output_adapter.email;
  if (email.from_address) return email.from_address;
  if (email.username.includes('@')) return email.username;
  return `no-reply@${new URL(config.server.base_url).hostname}`;
}

/** The server-wide SMTP server, or undefined when hostname is empty (the outbox). */
export function serverSmtpSettings(config: Config): SmtpSettings | undefined {
  const email: EmailConfig = config.output_adapter.email;
  if (!email.hostname) return undefined;
  return {
    source: 'server',
    host: email.hostname,
    port: email.port,
    fromAddress: defaultFromAddress(config),
    fromName: email.signature,
    username: email.username,
    password: email.password,
    startTls: email.enable_start_tls && !email.tls_on_connect,
    tlsOnConnect: email.tls_on_connect,
    authenticate: email.enable_authentication && email.username !== '',
  };
}
