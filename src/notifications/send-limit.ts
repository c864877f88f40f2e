// Rate limits for messages a user can trigger (an emailed code): at most one per interval
// and `max` per window, per user and per client IP, counted in the database so every node
// sees the same history. Two requests racing within the same instant may both pass; the
// limit bounds abuse (mail bombing, SMTP cost), it is not a security boundary.
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';

export interface SendLimit {
  minIntervalSeconds: number;
  maxPerWindow: number;
  windowSeconds: number;
}

/** Seconds to wait before another send is allowed for all of `keys`; 0 when allowed now. */
export async function sendWait(db: Kysely<Database>, tenantId: string, keys: string[], limit: SendLimit, now: number): Promise<number> {
  const rows = await db.selectFrom('send_attempt').select(['rate_key', 'sent_at'])
    .where('tenant_id', '=', tenantId).where('rate_key', 'in', keys).where('sent_at', '>', now - limit.windowSeconds)
    .execute();
  let wait = 0;
  for (const key of keys) {
    const times = rows.filter((r) => r.rate_key === key).map((r) => Number(r.sent_at)).sort((a, b) => a - b);
    if (!times.length) continue;
    wait = Math.max(wait, times.at(-1)! + limit.minIntervalSeconds - now);
    if (times.length >= limit.maxPerWindow) wait = Math.max(wait, times[times.length - limit.maxPerWindow]! + limit.windowSeconds - now);
  }
  return Math.max(0, wait);
}

export async function recordSend(db: Kysely<Database>, tenantId: string, keys: string[], limit: SendLimit, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('send_attempt').where('tenant_id', '=', tenantId).where('rate_key', 'in', keys)
      .where('sent_at', '<=', now - limit.windowSeconds).execute();
    await trx.insertInto('send_attempt').values(keys.map((rate_key) => ({ tenant_id: tenantId, rate_key, sent_at: now }))).execute();
  });
}

/** Forgets sends older than the window (run periodically: keys that never send again). */
export async function purgeSendAttempts(db: Kysely<Database>, windowSeconds: number, now: number): Promise<void> {
  await db.deleteFrom('send_attempt').where('sent_at', '<=', now - windowSeconds).execute();
}
