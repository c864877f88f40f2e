/**
 * The security audit log (append-only for the application; only the retention purge
 * deletes). Nothing secret is ever stored: see AuditEvent in audit-event.ts.
 */
export interface AuditEventTable {
  tenant_id: string;
  /** Time-ordered (UUIDv7 layout): breaks ties between rows of the same millisecond. */
  id: string;
  /** Epoch milliseconds. */
  at: number;
  type: string;
  /** 'success' | 'failure' */
  outcome: string;
  /** 'user' | 'application' | 'cli' | 'system' | 'anonymous' */
  actor_kind: string;
  /** User id, client id, or the operating-system account for the CLI. */
  actor_id: string | null;
  actor_name: string | null;
  /** The user the event is about (signing in, locked, changed …). */
  user_id: string | null;
  username: string | null;
  /** The application: the one signed in to, or the one an admin changed. */
  client_id: string | null;
  /** The authentication step (sign-in events). */
  step: number | null;
  /** The authenticator (factor), e.g. 'BasicAuthenticator', 'totp', 'totp/email'. */
  factor: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object: event-specific fields, e.g. before/after of a setting. */
  details: string;
}
