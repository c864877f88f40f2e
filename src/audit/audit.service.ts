// Writing and reading the security audit log. recordAudit is awaited in the request that
// acted, so the row exists when the response leaves; it never throws: a failed insert is
// logged as an error and the user's action stands (an audit outage must not lock people out).
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { findUserById } from '../users/user.repository.js';
import type { Insertable } from 'kysely';
import { insertAuditEvents, purgeAuditEventsBefore, type AuditEventRow } from './audit-event.repository.js';
import type { AuditEventTable } from './audit-event.table.js';
import type { AuditEvent, AuditValue } from './audit-event.js';

const LIMITS = { id: 255, name: 255, factor: 64, ip: 64, userAgent: 512, string: 1000, details: 16_000, array: 100, depth: 6 } as const;

// A key naming a secret anywhere in `details` (nested before/after objects included).
// Booleans under such keys stay (passwordChanged, passwordSet): one bit is no secret.
const SECRET_KEY = /(^pass|pass(word|wd|phrase)|secret|tokens?$|^otp$|otpauth|credential|private|cookie|authori[sz]ation|codes?$|hash$)/i;
const SECRET_SUFFIX = /[a-z0-9](Key|_key)$/;
export const REDACTED = '[redacted]';

const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) || SECRET_SUFFIX.test(key);

const clip = (value: string | undefined | null, max: number): string | null =>
  value === undefined || value === null || value === '' ? null : value.length > max ? `${value.slice(0, max - 1)}…` : value;

function scrub(value: unknown, depth: number): AuditValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return clip(value, LIMITS.string) ?? '';
  if (depth >= LIMITS.depth) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, LIMITS.array).map((v) => scrub(v, depth + 1) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, AuditValue> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[key] = isSecretKey(key) && typeof v !== 'boolean' ? REDACTED : scrub(v, depth + 1) ?? null;
    }
    return out;
  }
  return String(value);
}

/** `details` as stored: secret-named keys redacted at any depth, long strings cut, bounded in size. */
export function scrubDetails(details: AuditEvent['details']): string {
  const clean = (scrub(details ?? {}, 0) ?? {}) as Record<string, AuditValue>;
  const json = JSON.stringify(clean);
  if (json.length <= LIMITS.details) return json;
  return JSON.stringify({ truncated: true, keys: Object.keys(clean) });
}

// UUIDv7 layout (48-bit ms timestamp, then a counter within the millisecond): rows of one
// node sort in the order they were written, which breaks ties between rows with the same `at`.
let lastMs = 0;
let sequence = 0;
export function auditId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) { ms += 1; sequence = 0; }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function usernameOf(deps: Deps, event: AuditEvent): Promise<string | undefined> {
  if (!event.user) return undefined;
  if (event.user.username) return event.user.username;
  return (await findUserById(deps.store.db, event.tenantId, event.user.id))?.username;
}

/** Appends one event; logs (never throws) when it cannot. */
export function recordAudit(deps: Deps, event: AuditEvent): Promise<void> {
  return recordAudits(deps, [event]);
}

/** Appends the events in one statement; logs (never throws) when it cannot. */
export async function recordAudits(deps: Deps, events: AuditEvent[]): Promise<void> {
  try {
    const rows = [];
    for (const event of events) rows.push(await auditRow(deps, event));
    await insertAuditEvents(deps.store.db, rows);
  } catch (err) {
    for (const event of events) {
      deps.logger.error({ event: 'audit_write_failed', tenantId: event.tenantId, auditType: event.type, userId: event.user?.id, error: (err as Error).message }, 'could not write an audit event');
    }
  }
}

async function auditRow(deps: Deps, event: AuditEvent): Promise<Insertable<AuditEventTable>> {
  const actor = event.actor ?? { kind: 'anonymous' };
  const username = await usernameOf(deps, event);
  // The user acting on themselves (signing in, self-service) is named like the subject.
  const actorName = actor.username ?? (actor.kind === 'user' && actor.id === event.user?.id ? username : undefined);
  return {
    tenant_id: event.tenantId,
    id: auditId(),
    at: deps.clock.now().getTime(),
    type: event.type,
    outcome: event.outcome ?? 'success',
    actor_kind: actor.kind,
    actor_id: clip(actor.id, LIMITS.id),
    actor_name: clip(actorName, LIMITS.name),
    user_id: clip(event.user?.id, LIMITS.id),
    username: clip(username, LIMITS.name),
    client_id: clip(event.clientId, LIMITS.id),
    step: event.step ?? null,
    factor: clip(event.factor, LIMITS.factor),
    ip: clip(event.origin?.ip, LIMITS.ip),
    user_agent: clip(event.origin?.userAgent, LIMITS.userAgent),
    details: scrubDetails(event.details),
  };
}

/** Deletes events older than [audit] retention_days (0 keeps them forever); run periodically. */
export async function purgeAuditEvents(deps: Pick<Deps, 'store' | 'clock' | 'config'>): Promise<number> {
  const days = deps.config.audit.retention_days;
  if (days === 0) return 0;
  return purgeAuditEventsBefore(deps.store.db, deps.clock.now().getTime() - days * 86_400_000);
}

/** One event as the API answers it. */
export interface AuditEventView {
  id: string;
  /** ISO 8601 with milliseconds. */
  at: string;
  type: string;
  outcome: string;
  actor: { kind: string; id: string | null; username: string | null };
  user: { id: string; username: string | null } | null;
  clientId: string | null;
  step: number | null;
  factor: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export function toAuditEventView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    at: new Date(Number(row.at)).toISOString(),
    type: row.type,
    outcome: row.outcome,
    actor: { kind: row.actor_kind, id: row.actor_id, username: row.actor_name },
    user: row.user_id ? { id: row.user_id, username: row.username } : null,
    clientId: row.client_id,
    step: row.step === null ? null : Number(row.step),
    factor: row.factor,
    ip: row.ip,
    userAgent: row.user_agent,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}
