// Brute-force regulation: an attempt is counted per user *and factor* before it is judged,
// in one atomic statement, so concurrent attempts on several nodes sharing PostgreSQL get
// no more than allowed_failed_attempts judged and lock exactly once.
import { performance } from 'node:perf_hooks';
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
  if (!deps.config.identity_mgt.account_locking.enable_account_locking) return { locked: false, lockedUntil: null };
  const row = await deps.store.db.selectFrom('login_failure').select(['locked_until'])
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor).executeTakeFirst();
  const until = row?.locked_until == null ? null : Number(row.locked_until);
  if (until !== null && until > epochSeconds(deps.clock)) return { locked: true, lockedUntil: until === LOCKED_FOREVER ? null : until };
  return { locked: false, lockedUntil: null };
}

/** An attempt counted before it is judged (reserveAttempt). */
export interface Attempt {
  /** False while a lock holds: refuse the attempt unjudged. */
  allowed: boolean;
  /** Epoch seconds; null while not locked or when only an administrator can unlock. */
  lockedUntil: number | null;
  failedAttempts: number;
  lockCount: number;
  /** False while account locking is off: nothing is counted then. */
  counted: boolean;
}

/**
 * How long an attempt over the limit waits for a success among the ones within it, counted
 * again after each success. They take one password hash or one HMAC, so this is slack for a
 * loaded server; an attempt that is never judged (its node died) must not leave the
 * account waiting for ever.
 */
export const SLOT_WAIT_MS = 3000;
const pause = () => new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 40));

/**
 * Counts an attempt *before* it is judged, in one atomic statement, so a burst of concurrent
 * guesses gets no more than allowed_failed_attempts judged (checking the lock, judging and
 * then counting let every request of a burst past the check). Within the limit it is
 * allowed at once. Over it, with no lock yet, the attempts within the limit are still
 * being judged: this one waits for them instead of being refused, so a user's parallel
 * sign-ins and a script's parallel API calls with the right password all go through (a
 * right one clears the count), while wrong ones set the lock and the waiting are refused.
 * Afterwards: attemptFailed when it was wrong, recordSuccess when right, releaseAttempt
 * when it turned out to guess nothing.
 */
export async function reserveAttempt(deps: Deps, tenantId: string, userId: string, factor: string, where: AuditWhere = {}): Promise<Attempt> {
  const policy = deps.config.identity_mgt.account_locking;
  if (!policy.enable_account_locking) return { allowed: true, lockedUntil: null, failedAttempts: 0, lockCount: 0, counted: false };
  let deadline = performance.now() + SLOT_WAIT_MS;
  for (;;) {
    const row = await countAttempt(deps, tenantId, userId, factor);
    const attempt = { failedAttempts: Number(row.failed_attempts), lockCount: Number(row.lock_count), counted: true };
    if (row.locked_until != null) return { ...attempt, allowed: false, lockedUntil: shownUntil(Number(row.locked_until)) };
    if (attempt.failedAttempts <= policy.allowed_failed_attempts) return { ...attempt, allowed: true, lockedUntil: null };
    await giveBack(deps, tenantId, userId, factor);
    // Waits by reading, not by counting again, until a failure sets the lock or the count
    // drops below the limit; each success among the attempts being judged (the count of
    // successes moved) starts the wait afresh, so a long burst of right ones all get through.
    const successes = Number(row.successes);
    for (;;) {
      await pause();
      const now = await deps.store.db.selectFrom('login_failure').select(['failed_attempts', 'locked_until', 'successes'])
        .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor).executeTakeFirst();
      const until = now?.locked_until == null ? null : Number(now.locked_until);
      if (until !== null && until > epochSeconds(deps.clock)) return { ...attempt, allowed: false, lockedUntil: shownUntil(until) };
      if (!now || Number(now.successes) !== successes) {
        deadline = performance.now() + SLOT_WAIT_MS;
        break;
      }
      if (until !== null || Number(now.failed_attempts) < policy.allowed_failed_attempts) break;
      if (performance.now() >= deadline) {
        // Nothing was judged right for SLOT_WAIT_MS: the attempts within the limit were
        // never judged (their node died), or failures were on record past a limit an
        // administrator lowered. The limit is reached, so the lock is set.
        const state = await lockNow(deps, tenantId, userId, factor, attempt, where);
        if (state.locked) return { ...attempt, allowed: false, lockedUntil: state.lockedUntil };
        deadline = performance.now() + SLOT_WAIT_MS; // unlocked meanwhile (an administrator)
        break;
      }
    }
  }
}

const shownUntil = (until: number): number | null => (until === LOCKED_FOREVER ? null : until);

// One statement: a lock that has run out starts a fresh count (lock_count keeps growing the
// next lock); one in force is not counted into again; otherwise one more.
async function countAttempt(deps: Deps, tenantId: string, userId: string, factor: string) {
  const now = epochSeconds(deps.clock);
  return deps.store.db.insertInto('login_failure')
    .values({ tenant_id: tenantId, user_id: userId, factor, failed_attempts: 1, lock_count: 0, locked_until: null })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'factor']).doUpdateSet({
      failed_attempts: sql<number>`case when login_failure.locked_until <= ${now} then 1 when login_failure.locked_until > ${now} then login_failure.failed_attempts else login_failure.failed_attempts + 1 end`,
      locked_until: sql<number | null>`case when login_failure.locked_until <= ${now} then null else login_failure.locked_until end`,
    }))
    .returning(['failed_attempts', 'lock_count', 'locked_until', 'successes'])
    .executeTakeFirstOrThrow();
}

/** After a reserved attempt was judged wrong: the one that reached the limit sets the lock. */
export async function attemptFailed(deps: Deps, tenantId: string, userId: string, factor: string, attempt: Attempt, where: AuditWhere = {}): Promise<void> {
  if (attempt.counted && attempt.failedAttempts >= deps.config.identity_mgt.account_locking.allowed_failed_attempts) {
    await lockNow(deps, tenantId, userId, factor, attempt, where);
  }
}

/** A reserved attempt that guessed nothing after all (the page was shown again): not counted. */
export async function releaseAttempt(deps: Deps, tenantId: string, userId: string, factor: string, attempt: Attempt): Promise<void> {
  if (attempt.counted) await giveBack(deps, tenantId, userId, factor);
}

async function giveBack(deps: Deps, tenantId: string, userId: string, factor: string): Promise<void> {
  await deps.store.db.updateTable('login_failure').set({ failed_attempts: sql<number>`failed_attempts - 1` })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor)
    .where('failed_attempts', '>', 0).execute();
}

/**
 * At or past the limit (past it when an administrator lowered the limit): the lock is set
 * by whichever attempt finds none in force, in one conditional UPDATE, so concurrent
 * attempts set it (and audit it) exactly once.
 */
async function lockNow(deps: Deps, tenantId: string, userId: string, factor: string, counted: { failedAttempts: number; lockCount: number }, where: AuditWhere): Promise<LockState> {
  const policy = deps.config.identity_mgt.account_locking;
  const now = epochSeconds(deps.clock);
  const minutes = policy.auto_unlock_after * policy.auto_unlock_time_increment_ratio ** counted.lockCount;
  const until = policy.auto_unlock_after === 0 ? LOCKED_FOREVER : now + Math.round(minutes * 60);
  const locked = await deps.store.db.updateTable('login_failure')
    .set({ locked_until: until, lock_count: sql<number>`lock_count + 1` })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('factor', '=', factor)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) return lockState(deps, tenantId, userId, factor);
  deps.logger.warn({ event: 'account_locked', tenantId, userId, factor, lockedUntil: until }, 'account locked after failed attempts');
  await recordAudit(deps, {
    tenantId, type: 'account_locked', actor: { kind: 'system' }, user: { id: userId }, factor,
    clientId: where.clientId, origin: { ip: where.ip, userAgent: where.userAgent },
    details: { failedAttempts: counted.failedAttempts, lockedUntil: until === LOCKED_FOREVER ? null : new Date(until * 1000).toISOString() },
  });
  return { locked: true, lockedUntil: until === LOCKED_FOREVER ? null : until };
}

/**
 * A right attempt clears the failures, the lock and its history, in place: attempts waiting
 * for a slot see `successes` move and try again (a deleted row, created again at once by
 * the next attempt, would look unchanged to them).
 */
export async function recordSuccess(deps: Deps, tenantId: string, userId: string, factor: string): Promise<void> {
  await deps.store.db.updateTable('login_failure')
    .set({ failed_attempts: 0, lock_count: 0, locked_until: null, successes: sql<number>`successes + 1` })
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
