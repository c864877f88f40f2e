// Rate limits for messages a user can trigger (an emailed code): at most one per interval
// and `max` per window, per user and per client IP, counted in the database so every node
// sees the same history. Checking and recording a send is one transaction that takes each
// key's lock first, so a burst of concurrent requests sends one message, not one each.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { Store } from '../store/connect.js';

export interface SendLimit {
  minIntervalSeconds: number;
  maxPerWindow: number;
  windowSeconds: number;
}

/** Seconds to wait before another send is allowed for all of `keys`; 0 when allowed now. */
async function sendWait(db: Kysely<Database>, tenantId: string, keys: string[], limit: SendLimit, now: number): Promise<number> {
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

/**
 * Records a send for all of `keys` when the limit allows one now; otherwise the seconds to
 * wait. On PostgreSQL each key's transaction-scoped advisory lock makes concurrent
 * requests (on any node) decide one after another, taken in one order so two requests
 * never wait on each other; SQLite runs one write transaction at a time anyway.
 */
export async function takeSend(store: Store, tenantId: string, keys: string[], limit: SendLimit, now: number): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') {
      for (const key of [...keys].sort()) await sql`select pg_advisory_xact_lock(hashtextextended(${`send:${tenantId}:${key}`}, 0))`.execute(trx);
    }
    const wait = await sendWait(trx, tenantId, keys, limit, now);
    if (wait > 0) return wait;
    await trx.deleteFrom('send_attempt').where('tenant_id', '=', tenantId).where('rate_key', 'in', keys)
      .where('sent_at', '<=', now - limit.windowSeconds).execute();
    await trx.insertInto('send_attempt').values(keys.map((rate_key) => ({ tenant_id: tenantId, rate_key, sent_at: now }))).execute();
    return 0;
  });
}

/** Forgets sends older than the window (run periodically: keys that never send again). */
export async function purgeSendAttempts(db: Kysely<Database>, windowSeconds: number, now: number): Promise<void> {
  await db.deleteFrom('send_attempt').where('sent_at', '<=', now - windowSeconds).execute();
}
