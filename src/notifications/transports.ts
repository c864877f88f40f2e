// The SMTP transports of one server, one per sender (the server-wide one and each tenant's),
// pooled so a login does not pay a new TCP+TLS handshake and greeting for every mail.
// They live as long as the Deps object they belong to: the routes plugin closes them when
// the HTTP server closes (see email-sender.routes.ts).
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Deps } from '../deps.js';
import type { SmtpSettings } from './smtp-settings.js';

export interface ConnectOptions {
  /** Where to connect: the checked address for a tenant's sender, else the host name. */
  connectTo: string;
  settings: SmtpSettings;
}

interface Entry { fingerprint: string; transporter: Transporter }

export class TransportCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly email: Deps['config']['output_adapter']['email']) {}

  /** The transport for `owner` ('server' or a tenant id), replaced when its settings changed. */
  get(owner: string, { connectTo, settings }: ConnectOptions): Transporter {
    const timeout = this.email.timeout_seconds * 1000;
    const name = settings.host.replace(/^\[(.*)\]$/, '$1');
    const options = {
      host: connectTo,
      port: settings.port,
      secure: settings.tlsOnConnect,
      // requireTLS fails the session when STARTTLS is missing or the upgrade fails, before
      // AUTH; ignoreTLS is the explicit "plain SMTP" choice (enable_start_tls = false).
      requireTLS: settings.startTls,
      ignoreTLS: !settings.startTls && !settings.tlsOnConnect,
      ...(settings.authenticate ? { auth: { user: settings.username, pass: settings.password } } : {}),
      tls: {
        // The certificate is checked against the configured name even when connecting to the
        // checked address (SNI carries names only, RFC 6066).
        ...(isIP(name) ? {} : { servername: name }),
        rejectUnauthorized: this.email.tls_reject_unauthorized,
        minVersion: 'TLSv1.2' as const,
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
      logger: false,
      debug: false,
    };
    const fingerprint = createHash('sha256').update(JSON.stringify(options)).digest('base64url');
    const current = this.entries.get(owner);
    if (current?.fingerprint === fingerprint) return current.transporter;
    if (current) current.transporter.close();
    const transporter = this.email.pool
      ? nodemailer.createTransport({ ...options, pool: true, maxConnections: 3, idleTimeout: 60_000 })
      : nodemailer.createTransport(options);
    this.entries.set(owner, { fingerprint, transporter });
    return transporter;
  }

  /** Closes the owner's transport (its sender was deleted or replaced). */
  drop(owner: string): void {
    this.entries.get(owner)?.transporter.close();
    this.entries.delete(owner);
  }

  closeAll(): void {
    for (const { transporter } of this.entries.values()) transporter.close();
    this.entries.clear();
  }
}

const caches = new WeakMap<Deps, TransportCache>();

export function transportsOf(deps: Deps): TransportCache {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new TransportCache(deps.config.output_adapter.email);
    caches.set(deps, cache);
  }
  return cache;
}

export function closeTransports(deps: Deps): void {
  caches.get(deps)?.closeAll();
  caches.delete(deps);
}
