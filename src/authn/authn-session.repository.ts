import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';

export type Factors = Record<string, number>;

export async function loadFactors(db: Kysely<Database>, tenantId: string, sessionUid: string, userId: string, now: number): Promise<Factors> {
  const row = await db.selectFrom('authn_session').select(['user_id', 'factors', 'expires_at'])
    .where('tenant_id', '=', tenantId).where('session_uid', '=', sessionUid).executeTakeFirst();
  if (!row || row.user_id !== userId || Number(row.expires_at) <= now) return {};
  return JSON.parse(row.factors) as Factors;
}

/** Replaces the session's record: a login either adds steps to it or starts it anew. */
export async function saveFactors(db: Kysely<Database>, tenantId: string, sessionUid: string, userId: string, factors: Factors, expiresAt: number): Promise<void> {
  const values = { user_id: userId, factors: JSON.stringify(factors), expires_at: expiresAt };
  await db.insertInto('authn_session').values({ tenant_id: tenantId, session_uid: sessionUid, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'session_uid']).doUpdateSet(values)).execute();
}
