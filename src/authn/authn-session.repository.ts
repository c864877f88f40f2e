import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';

export type Factors = Record<string, number>;

/**
 * The factors the session proved, each within `maxAge` seconds of when it was proven: a step
 * added later (step-up) does not lengthen the life of the steps proven before it.
 */
export async function loadFactors(db: Kysely<Database>, tenantId: string, sessionUid: string, userId: string, now: number, maxAge: number): Promise<Factors> {
  const row = await db.selectFrom('authn_session').select(['user_id', 'factors', 'expires_at'])
    .where('tenant_id', '=', tenantId).where('session_uid', '=', sessionUid).executeTakeFirst();
  if (!row || row.user_id !== userId || Number(row.expires_at) <= now) return {};
  return Object.fromEntries(Object.entries(JSON.parse(row.factors) as Factors).filter(([, at]) => at + maxAge > now));
}

/** Where a sign-in came from, shown to the user in their list of sessions. */
export interface SessionOrigin { ip?: string; userAgent?: string }

// Longer values are cut, not refused: the list shows a browser, not the whole string, and
// an address comes from X-Forwarded-For under trust_proxy, which the client writes.
const USER_AGENT_MAX = 512;
const IP_MAX = 64;

/**
 * Replaces the session's record with what a login proved: the steps it ran and, for a
 * step-up, those it took from the session; a fresh login (prompt=login, max_age, …) took
 * none, so nothing proven before it survives. The browser, address and time of this
 * sign-in are the session's latest activity.
 */
export async function saveFactors(db: Kysely<Database>, tenantId: string, sessionUid: string, userId: string, factors: Factors, expiresAt: number, origin: SessionOrigin, now: number): Promise<void> {
  const values = {
    user_id: userId, factors: JSON.stringify(factors), expires_at: expiresAt,
    user_agent: origin.userAgent?.slice(0, USER_AGENT_MAX) ?? null, ip: origin.ip?.slice(0, IP_MAX) ?? null, last_active_at: now,
  };
  await db.insertInto('authn_session').values({ tenant_id: tenantId, session_uid: sessionUid, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'session_uid']).doUpdateSet(values)).execute();
}

/** An application was signed in to through the session without a login page (single sign-on). */
export async function touchSession(db: Kysely<Database>, tenantId: string, sessionUid: string, now: number): Promise<void> {
  await db.updateTable('authn_session').set({ last_active_at: now })
    .where('tenant_id', '=', tenantId).where('session_uid', '=', sessionUid).execute();
}
