// The security audit log (GET /api/server/v1/audit-logs): newest first, filtered by user,
// type and time, paged by an opaque cursor (nextCursor of one page fetches the next).
import { api } from '../../api/client';
// Types of the server's answers come from the server's source (type-only: erased from the
// bundle), so a change there shows up in the console's typecheck.
import type { AuditEventView } from '../../../../src/audit/audit.service.js';

export type AuditEvent = AuditEventView;

export interface AuditPage {
  count: number;
  events: AuditEvent[];
  nextCursor: string | null;
}

export interface AuditQuery {
  userId?: string;
  username?: string;
  type?: string;
  /** ISO times. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export const queryAudit = (query: AuditQuery, signal?: AbortSignal) =>
  api.get<AuditPage>('/audit-logs', { query: { ...query }, ...(signal ? { signal } : {}) });

/**
 * The event types the server logs (src/audit/audit-event.ts AUDIT_EVENT_TYPES), grouped and
 * named for people. test/e2e/console-admin.test.ts checks that this list names every type.
 */
export const EVENT_GROUPS: ReadonlyArray<{ group: string; types: ReadonlyArray<readonly [string, string]> }> = [
  { group: 'Sign-in', types: [['login_succeeded', 'Sign-in succeeded'], ['login_step_succeeded', 'Sign-in step passed'], ['login_failed', 'Sign-in failed']] },
  { group: 'Lockout', types: [['account_locked', 'Account locked'], ['account_unlocked', 'Account unlocked']] },
  {
    group: 'Second factors',
    types: [
      ['totp_enrolled', 'TOTP enrolled'], ['totp_reset', 'TOTP reset'], ['totp_code_replayed', 'TOTP code replayed'],
      ['backup_code_used', 'Backup code used'], ['backup_codes_generated', 'Backup codes generated'], ['backup_codes_deleted', 'Backup codes deleted'],
    ],
  },
  { group: 'Sessions', types: [['session_ended', 'Session ended'], ['user_signed_out_everywhere', 'Signed out everywhere']] },
  { group: 'Users', types: [['user_created', 'User created'], ['user_updated', 'User updated'], ['user_deleted', 'User deleted']] },
  { group: 'Service providers', types: [['application_created', 'Service provider created'], ['application_updated', 'Service provider updated'], ['application_deleted', 'Service provider deleted']] },
  {
    group: 'Settings',
    types: [
      ['totp_parameters_updated', 'TOTP settings changed'],
      ['email_sender_created', 'Email sender set'], ['email_sender_updated', 'Email sender changed'], ['email_sender_deleted', 'Email sender removed'],
      ['email_template_added', 'Email template added'], ['email_template_replaced', 'Email template changed'], ['email_template_deleted', 'Email template deleted'],
      ['email_default_locale_updated', 'Default email locale changed'],
    ],
  },
];

const LABELS = new Map(EVENT_GROUPS.flatMap((g) => g.types.map(([type, label]) => [type, label] as const)));

/** A type's name for people; a type this console does not know yet reads as its id. */
export const eventLabel = (type: string): string => LABELS.get(type) ?? type.replace(/_/g, ' ');
