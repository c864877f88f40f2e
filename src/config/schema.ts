// Every configuration key, declared once: its type, default and a sentence for the docs.
// docs/configuration.md is checked against this table by a test, and environment
// variable names are derived from the paths here (see env.ts).

export type LeafType = 'string' | 'integer' | 'boolean' | 'url' | 'string[]';

export interface Leaf {
  type: LeafType;
  default: string | number | boolean | string[];
  description: string;
  min?: number;
  max?: number;
  oneOf?: readonly string[];
  secret?: boolean;
}

export const schema = {
  server: {
    base_url: { type: 'string', default: '', description: 'Public URL of the server (scheme, host, port, no trailing slash). Every URL Gatehouse prints or issues is built from it, never from the request. Defaults to http://localhost:{port}.' },
    host: { type: 'string', default: '0.0.0.0', description: 'Interface to listen on.' },
    port: { type: 'integer', default: 9443, min: 0, max: 65535, description: 'TCP port to listen on (plain HTTP; terminate TLS in a proxy and set trust_proxy).' },
    trust_proxy: { type: 'boolean', default: false, description: 'Trust X-Forwarded-For from a reverse proxy for the client IP (rate limits, audit). Host and scheme still come from base_url.' },
    data_dir: { type: 'string', default: './data', description: 'Directory for the embedded SQLite store and the generated encryption key.' },
  },
  database: {
    url: { type: 'string', default: '', description: 'Empty for the embedded SQLite store in data_dir, a file path or sqlite:/path for another SQLite file, or postgres://user@host:5432/db for PostgreSQL (through a Unix socket: postgres://user@/db?host=/var/run/postgresql).' },
    pool_size: { type: 'integer', default: 10, min: 1, max: 200, description: 'PostgreSQL connection pool size.' },
    prepared_statements: { type: 'boolean', default: true, description: 'PostgreSQL: run each statement as a named prepared statement, parsed and planned once per connection. Turn off behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).' },
  },
  redis: {
    url: { type: 'string', default: '', secret: true, description: 'Empty: per-IP rate limits are counted in each node\'s memory. redis://[:password@]host:6379[/db] (or rediss:// for TLS): counted in Redis, shared by every node that uses it.' },
    key_prefix: { type: 'string', default: 'gatehouse:', description: 'Prefix of every key Gatehouse writes to Redis, so several deployments can share one Redis.' },
  },
  super_admin: {
    username: { type: 'string', default: 'admin', description: 'Username of the super administrator created in carbon.super on first start.' },
    password: { type: 'string', default: '', secret: true, description: 'Password for that account on first start. Empty: a random password is generated and printed once.' },
    create_admin_account: { type: 'boolean', default: true, description: 'Create the super administrator on first start.' },
  },
  security: {
    encryption_key: { type: 'string', default: '', secret: true, description: 'Base64 of 32 random bytes used to encrypt secrets at rest (AES-256-GCM). Empty: generated into data_dir/encryption.key on first start. Several nodes must share one key.' },
  },
  identity_mgt: {
    account_locking: {
      enable_account_locking: { type: 'boolean', default: true, description: 'Lock an account after too many failed password attempts.' },
      allowed_failed_attempts: { type: 'integer', default: 5, min: 1, max: 1000, description: 'Failed attempts allowed before the account locks.' },
      auto_unlock_after: { type: 'integer', default: 5, min: 0, max: 525600, description: 'Minutes until a locked account unlocks by itself (0: only an administrator unlocks it).' },
      auto_unlock_time_increment_ratio: { type: 'integer', default: 2, min: 1, max: 100, description: 'Each further lock lasts this many times longer than the previous one.' },
    },
    login_rate_limit: {
      max_requests: { type: 'integer', default: 30, min: 1, max: 100000, description: 'Failed sign-in attempts (login pages and admin Basic auth together) allowed per client IP within window_seconds; beyond them every attempt from that IP is refused with 429 until the window ends. Successful sign-ins do not count.' },
      window_seconds: { type: 'integer', default: 60, min: 1, max: 86400, description: 'Length of the per-IP rate-limit window.' },
    },
  },
  authentication: {
    authenticator: {
      totp: {
        enable: { type: 'boolean', default: true, description: 'Offer the totp authenticator. When false, applications whose sequence uses it show an error page instead of signing in (the step is never skipped).' },
        parameters: {
          timeStepSize: { type: 'integer', default: 30, min: 1, max: 300, description: 'Seconds per time step (RFC 6238 X) for new enrollments; each enrolled credential keeps the period it was enrolled with.' },
          windowSize: { type: 'integer', default: 3, min: 1, max: 21, description: 'Total number of time steps accepted around now (WSO2 semantics): 3 accepts the previous, current and next step; 1 only the current one.' },
          authenticationMandatory: { type: 'boolean', default: true, description: 'A user without TOTP must not pass the step: with enrollment off the sign-in stops with a message. When false such a user skips the step and amr does not claim otp.' },
          enrolUserInAuthenticationFlow: { type: 'boolean', default: true, description: 'A user without TOTP enrolls during sign-in by scanning a QR code.' },
          AllowSendingVerificationCodeByEmail: { type: 'boolean', default: false, description: 'Offer "Get a verification code by email" on the TOTP page (needs email delivery).' },
          EnableAccountLockingForFailedAttempts: { type: 'boolean', default: true, description: 'Count wrong TOTP codes (separately from passwords) under [identity_mgt.account_locking] and lock the TOTP step when the limit is reached.' },
          PreventTOTPCodeReuse: { type: 'boolean', default: true, description: 'Accept each time step at most once per user (and never an earlier one): replayed codes are refused.' },
          Issuer: { type: 'string', default: '', description: 'Issuer name shown in authenticator apps when UseCommonIssuer is true. Empty: the tenant\'s display name.' },
          UseCommonIssuer: { type: 'boolean', default: false, description: 'Show Issuer for every tenant instead of each tenant\'s display name.' },
          digits: { type: 'integer', default: 6, oneOf: ['6', '8'], description: 'Code length for new enrollments: 6 or 8. Every authenticator app supports 6; some ignore 8 and then show wrong codes.' },
          algorithm: { type: 'string', default: 'SHA1', oneOf: ['SHA1', 'SHA256', 'SHA512'], description: 'HMAC algorithm for new enrollments. Every authenticator app supports SHA1 (still safe for HOTP, RFC 4226 appendix A); some apps ignore SHA256/SHA512 and then show wrong codes.' },
        },
        email_code: {
          validity_seconds: { type: 'integer', default: 600, min: 60, max: 3600, description: 'Seconds an emailed verification code stays valid ("Get a verification code by email", when AllowSendingVerificationCodeByEmail is on). Unlike WSO2, which mails the current TOTP (it expires within a minute), the emailed code is its own single-use code, bound to the sign-in.' },
          min_interval_seconds: { type: 'integer', default: 30, min: 0, max: 3600, description: 'Least time between two emailed codes for one user, and for one client IP.' },
          max_per_window: { type: 'integer', default: 5, min: 1, max: 1000, description: 'Most emailed codes per user, and per client IP, within window_seconds.' },
          window_seconds: { type: 'integer', default: 900, min: 60, max: 86400, description: 'Length of the max_per_window window.' },
        },
      },
    },
  },
  output_adapter: {
    email: {
      hostname: { type: 'string', default: '', description: 'SMTP server for every tenant without its own sender. Empty: no SMTP; mail goes to the development outbox (readable through the admin API, holds one-time codes: development only).' },
      port: { type: 'integer', default: 25, min: 1, max: 65535, description: 'SMTP port: 587 for STARTTLS submission, 465 with tls_on_connect, 25 for a relay.' },
      from_address: { type: 'string', default: '', description: 'Sender address (From). Empty: the username when it is an email address, else no-reply@ the host of server.base_url.' },
      username: { type: 'string', default: '', description: 'SMTP AUTH user name. Empty: no AUTH.' },
      password: { type: 'string', default: '', secret: true, description: 'SMTP AUTH password (for Gmail and Office 365, an app password). Never logged.' },
      enable_start_tls: { type: 'boolean', default: true, description: 'Require STARTTLS: a server that does not offer it, or whose certificate does not verify, fails the send before AUTH, so the password never travels in clear. false: plain SMTP, only for a relay on a trusted network.' },
      enable_authentication: { type: 'boolean', default: true, description: 'Authenticate with username and password (when a username is set).' },
      signature: { type: 'string', default: '', description: 'Display name shown with the From address, e.g. "Acme Sign-in".' },
      tls_on_connect: { type: 'boolean', default: false, description: 'TLS from the first byte (implicit TLS, usually port 465) instead of STARTTLS.' },
      pool: { type: 'boolean', default: true, description: 'Keep SMTP connections open and reuse them (each new connection costs a TCP and TLS handshake and the server\'s greeting).' },
      timeout_seconds: { type: 'integer', default: 10, min: 1, max: 120, description: 'Longest a send may take, connecting, greeting, TLS, AUTH and data together; a login page waiting for a mail answers within this time.' },
      tls_reject_unauthorized: { type: 'boolean', default: true, description: 'Verify the SMTP server\'s certificate. false accepts any certificate (self-signed test servers only): the password can then be read by whoever sits in between.' },
      allow_private_hosts: { type: 'boolean', default: false, description: 'Let a tenant\'s own sender use an SMTP host that resolves to a loopback, link-local, private or otherwise internal address. Keep false when tenant administrators must not reach internal services; hostname above may always be internal.' },
      outbox_max_messages: { type: 'integer', default: 50, min: 1, max: 10000, description: 'Development outbox: newest messages kept per tenant.' },
      outbox_retention_minutes: { type: 'integer', default: 1440, min: 1, max: 525600, description: 'Development outbox: minutes a message is kept.' },
    },
  },
  admin_api: {
    allow_basic_auth: { type: 'boolean', default: true, description: 'Accept HTTP Basic with an administrator\'s credentials on the admin and SCIM APIs.' },
  },
  oauth: {
    authorization_code_validity: { type: 'integer', default: 60, min: 10, max: 600, description: 'Seconds an authorization code stays valid.' },
    user_access_token_validity: { type: 'integer', default: 3600, min: 60, max: 86400, description: 'Seconds an access token issued to a user stays valid.' },
    application_access_token_validity: { type: 'integer', default: 3600, min: 60, max: 86400, description: 'Seconds a client-credentials access token stays valid.' },
    refresh_token_validity: { type: 'integer', default: 86400, min: 60, max: 31536000, description: 'Seconds a refresh token stays valid (rotated on every use).' },
    id_token_validity: { type: 'integer', default: 3600, min: 60, max: 86400, description: 'Seconds an ID token stays valid.' },
    backchannel_logout_allow_private_hosts: { type: 'boolean', default: false, description: 'Let applications\' back-channel logout URLs point at loopback, link-local, private or otherwise internal addresses (checked when saved and when sent). Keep false when tenant administrators must not reach internal services.' },
  },
  session: {
    idle_timeout: { type: 'integer', default: 900, min: 60, max: 2592000, description: 'Seconds of inactivity after which the sign-in session ends.' },
    absolute_timeout: { type: 'integer', default: 43200, min: 300, max: 31536000, description: 'Seconds after sign-in after which the session ends regardless of activity.' },
    interaction_timeout: { type: 'integer', default: 600, min: 60, max: 3600, description: 'Seconds a user has to finish a login page flow.' },
  },
  audit: {
    retention_days: { type: 'integer', default: 90, min: 0, max: 36500, description: 'Days the security audit log (GET /api/server/v1/audit-logs) keeps an event; older events are deleted by a purge that runs every minute. 0 keeps events forever.' },
  },
  logging: {
    level: { type: 'string', default: 'info', oneOf: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level of the JSON logs on stdout.' },
  },
} as const satisfies Record<string, unknown>;

// Turns the declaration into the typed, resolved config object.
type Resolve<T> = T extends { type: infer K; default: unknown }
  ? K extends 'integer' ? number : K extends 'boolean' ? boolean : K extends 'string[]' ? string[] : string
  : { readonly [P in keyof T]: Resolve<T[P]> };

export type Config = Resolve<typeof schema>;

export function isLeaf(node: unknown): node is Leaf {
  return typeof node === 'object' && node !== null && 'type' in node && 'default' in node;
}

/** Every leaf with its dotted path, in declaration order. */
export function leaves(node: Record<string, unknown> = schema, prefix: string[] = []): Array<[string[], Leaf]> {
  const out: Array<[string[], Leaf]> = [];
  for (const [key, child] of Object.entries(node)) {
    if (isLeaf(child)) out.push([[...prefix, key], child]);
    else out.push(...leaves(child as Record<string, unknown>, [...prefix, key]));
  }
  return out;
}
