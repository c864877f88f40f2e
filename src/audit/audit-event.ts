// What an audit event may carry. The shape leaves no place for a secret: the fixed fields
// are identifiers, and `details` refuses secret-named keys at compile time (and is
// scrubbed again at run time, in audit.service.ts, for nested objects).
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../access/caller.js';

/** Every type the log holds; the API's `type` filter accepts these. */
export const AUDIT_EVENT_TYPES = [
  // sign-in (login pages)
  'login_succeeded',
  'login_step_succeeded',
  'login_failed',
  // lockout
  'account_locked',
  'account_unlocked',
  // second factors
  'totp_code_replayed',
  'totp_enrolled',
  'totp_reset',
  'backup_code_used',
  'backup_codes_generated',
  'backup_codes_deleted',
  // sessions
  'session_ended',
  'user_signed_out_everywhere',
  // admin API changes
  'user_created',
  'user_updated',
  'user_deleted',
  'application_created',
  'application_updated',
  'application_deleted',
  'email_template_added',
  'email_template_replaced',
  'email_template_deleted',
  'email_default_locale_updated',
  'email_sender_created',
  'email_sender_updated',
  'email_sender_deleted',
  'totp_parameters_updated',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const isAuditEventType = (value: string): value is AuditEventType =>
  (AUDIT_EVENT_TYPES as readonly string[]).includes(value);

export type ActorKind = 'user' | 'application' | 'cli' | 'system' | 'anonymous';

/** Who acted. An admin-API caller, the CLI's OS account, the user signing in, or nobody known. */
export interface AuditActor {
  kind: ActorKind;
  /** User id, client id, or the operating-system account for the CLI. */
  id?: string;
  username?: string;
}

/** Where the request came from. */
export interface AuditOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** Where an action below the routes happened: the request's origin and, in a login, the application. */
export interface AuditWhere extends AuditOrigin {
  clientId?: string | undefined;
}

export type AuditValue = string | number | boolean | null | readonly AuditValue[] | { readonly [key: string]: AuditValue | undefined };

/** Keys that name a secret: `details` cannot have them (booleans such as passwordChanged are fine). */
type SecretKey =
  | 'password' | 'newPassword' | 'secret' | 'clientSecret' | 'client_secret' | 'code' | 'verificationCode'
  | 'token' | 'accessToken' | 'access_token' | 'refreshToken' | 'refresh_token' | 'idToken' | 'id_token'
  | 'otp' | 'backupCode' | 'backupCodes' | 'codes';

export type AuditDetails = { readonly [key: string]: AuditValue | undefined } & { readonly [K in SecretKey]?: never };

export interface AuditEvent {
  tenantId: string;
  type: AuditEventType;
  /** Default 'success'. */
  outcome?: 'success' | 'failure';
  /** Default: nobody known ('anonymous'). */
  actor?: AuditActor;
  /** The user the event is about; the username is looked up when only the id is given. */
  user?: { id: string; username?: string };
  /** The application signed in to, or the one an administrator changed. */
  clientId?: string;
  step?: number;
  factor?: string;
  origin?: AuditOrigin;
  details?: AuditDetails;
}

/** The admin-API caller as an actor. */
export function callerActor(caller: Caller): AuditActor {
  return { kind: caller.kind, id: caller.subject, ...(caller.username ? { username: caller.username } : {}) };
}

/** The request's client address (as Fastify resolves it under [server] trust_proxy) and user agent. */
export function requestOrigin(request: FastifyRequest): AuditOrigin {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : undefined };
}

type Plain = { readonly [key: string]: unknown };

/**
 * The fields that differ between two views of a setting, as { before, after } holding only
 * those fields (JSON-compared). Views must already leave secrets out (e.g. passwordSet).
 */
export function changes(before: Plain | undefined, after: Plain | undefined): { before: Record<string, AuditValue>; after: Record<string, AuditValue> } {
  const out = { before: {} as Record<string, AuditValue>, after: {} as Record<string, AuditValue> };
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of keys) {
    const a = before?.[key];
    const b = after?.[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    out.before[key] = (a ?? null) as AuditValue;
    out.after[key] = (b ?? null) as AuditValue;
  }
  return out;
}

/** Plain data of a loosely typed object (e.g. user claims) as an audit value (a JSON copy). */
export const toAuditValue = (value: unknown): AuditValue =>
  value === undefined ? null : JSON.parse(JSON.stringify(value)) as AuditValue;
