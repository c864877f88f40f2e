// Brute-force regulation: the flow engine asks before a step and reports after it.
// Failures are counted per user *and factor* in one atomic statement each, so concurrent
// attempts on several nodes sharing PostgreSQL are all counted and lock exactly once.
import { sql } from 'kysely';
import type { Deps } from '../deps.js';
import { epochSeconds } from '../clock.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditWhere } from '../audit/audit-event.js';

export interface LockState {
  locked: boolean;
  /** Epoch seconds; null while not locked or when only an administrator can unlock. */
  lockedUntil: number | null;
}

const LOCKED_FOREVER = 253402300799; // 9999-12-31: auto-unlock disabled

export async function lockState(deps: Deps, tenantId: string, userId: string, factor: string): Promise<LockState> {
  const { locked, lockedUntil } = await checkLock(deps, tenantId, userId, factor);
  return { locked, lockedUntil };
}

/** lockState, and whether no failure is on record at all (so a success has nothing to clear). */
export async function checkLock(deps: Deps, tenantId: string, userId: string, factor: string): Promise<LockState & { clean: boolean }> {
  if (!deps.config.identity_mgt.account_locking.enable_account_locking) return { locked: false, lockedUntil: null, clean: false };
  const row = await deps.store.db.selectFrom('login_failure').select(['locked_until'])
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor).executeTakeFirst();
  const until = row?.locked_until == null ? null : Number(row.locked_until);
  if (until !== null && until > epochSeconds(deps.clock)) return { locked: true, lockedUntil: until === LOCKED_FOREVER ? null : until, clean: false };
  return { locked: false, lockedUntil: null, clean: row === undefined };
}

/** `where`: the sign-in's application, client address and user agent, for the lockout's audit event. */
export async function recordFailure(deps: Deps, tenantId: string, userId: string, factor: string, where: AuditWhere = {}): Promise<LockState> {
  return (await countFailure(deps, tenantId, userId, factor, where)).state;
}

/**
 * For a check that must not be raced past the limit: the attempt is counted *before* it is
 * judged. Allowed when it is within allowed_failed_attempts (the one that reaches the limit
 * included); a success afterwards clears the count with recordSuccess, as a sign-in does.
 */
export async function takeAttempt(deps: Deps, tenantId: string, userId: string, factor: string, where: AuditWhere = {}): Promise<{ allowed: boolean; lockedUntil: number | null }> {
  const policy = deps.config.identity_mgt.account_locking;
  const { state, failedAttempts } = await countFailure(deps, tenantId, userId, factor, where);
  return { allowed: !policy.enable_account_locking || failedAttempts <= policy.allowed_failed_attempts, lockedUntil: state.lockedUntil };
}

async function countFailure(deps: Deps, tenantId: string, userId: string, factor: string, where: AuditWhere): Promise<{ state: LockState; failedAttempts: number }> {
  const policy = deps.config.identity_mgt.account_locking;
  const now = epochSeconds(deps.clock);
  const db = deps.store.db;
  // A lock that has run out starts a fresh count (the lock_count keeps growing the next lock).
  await db.updateTable('login_failure').set({ failed_attempts: 0, locked_until: null })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor)
    .where('locked_until', '<=', now).execute();
  const counted = await db.insertInto('login_failure')
    .values({ tenant_id: tenantId, user_id: userId, factor, failed_attempts: 1, lock_count: 0, locked_until: null })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'factor'])
      .doUpdateSet({ failed_attempts: sql<number>`login_failure.failed_attempts + 1` }))
    .returning(['failed_attempts', 'lock_count'])
    .executeTakeFirstOrThrow();
  if (!policy.enable_account_locking || counted.failed_attempts < policy.allowed_failed_attempts) {
    return { state: await lockState(deps, tenantId, userId, factor), failedAttempts: counted.failed_attempts };
  }
  // At or past the limit (past it when an administrator lowered the limit, or failures
  // were counted while locking was off): the lock is set by whichever attempt finds none
  // in force, in one conditional UPDATE, so concurrent attempts set it exactly once.
  const minutes = policy.auto_unlock_after * policy.auto_unlock_time_increment_ratio ** counted.lock_count;
  const until = policy.auto_unlock_after === 0 ? LOCKED_FOREVER : now + Math.round(minutes * 60);
  const locked = await db.updateTable('login_failure')
    .set({ locked_until: until, lock_count: sql<number>`lock_count + 1` })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) {
    return { state: await lockState(deps, tenantId, userId, factor), failedAttempts: counted.failed_attempts };
  }
  deps.logger.warn({ event: 'account_locked', tenantId, userId, factor, lockedUntil: until }, 'account locked after failed attempts');
  await recordAudit(deps, {
    tenantId, type: 'account_locked', actor: { kind: 'system' }, user: { id: userId }, factor,
    clientId: where.clientId, origin: { ip: where.ip, userAgent: where.userAgent },
    details: { failedAttempts: counted.failed_attempts, lockedUntil: until === LOCKED_FOREVER ? null : new Date(until * 1000).toISOString() },
  });
  return { state: { locked: true, lockedUntil: until === LOCKED_FOREVER ? null : until }, failedAttempts: counted.failed_attempts };
}

export async function recordSuccess(deps: Deps, tenantId: string, userId: string, factor: string): Promise<void> {
  await deps.store.db.deleteFrom('login_failure')
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor).execute();
}

export async function unlock(deps: Deps, tenantId: string, userId: string, factor?: string): Promise<void> {
  let q = deps.store.db.deleteFrom('login_failure').where('tenant_id', '=', tenantId).where('user_id', '=', userId);
  if (factor) q = q.where('factor', '=', factor);
  await q.execute();
}

export async function failedAttempts(deps: Deps, tenantId: string, userId: string, factor: string): Promise<number> {
  const row = await deps.store.db.selectFrom('login_failure').select('failed_attempts')
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor).executeTakeFirst();
  return row?.failed_attempts ?? 0;
}
