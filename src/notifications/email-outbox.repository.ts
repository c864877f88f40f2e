// The development outbox. Messages carry one-time codes: every write and read first drops
// what is older than the retention, and a write keeps only the newest N of the tenant.
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { EmailOutboxTable } from './email-outbox.table.js';

export type OutboxRow = Selectable<EmailOutboxTable>;

export interface OutboxLimits {
  maxMessages: number;
  retentionMs: number;
  nowMs: number;
}

const dropExpired = (db: Kysely<Database>, tenantId: string, limits: OutboxLimits) =>
  db.deleteFrom('email_outbox').where('tenant_id', '=', tenantId).where('created_at_ms', '<', limits.nowMs - limits.retentionMs).execute();

export async function addToOutbox(db: Kysely<Database>, row: Insertable<EmailOutboxTable>, limits: OutboxLimits): Promise<void> {
  await db.insertInto('email_outbox').values(row).execute();
  await dropExpired(db, row.tenant_id, limits);
  // Everything after the newest N. Two statements rather than DELETE … NOT IN (SELECT … LIMIT),
  // which the SQLite and PostgreSQL dialects do not spell alike.
  const surplus = await db.selectFrom('email_outbox').select('id').where('tenant_id', '=', row.tenant_id)
    .orderBy('created_at_ms', 'desc').orderBy('id', 'desc').offset(limits.maxMessages).limit(1000).execute();
  if (surplus.length) {
    await db.deleteFrom('email_outbox').where('tenant_id', '=', row.tenant_id).where('id', 'in', surplus.map((r) => r.id)).execute();
  }
}

export async function listOutbox(db: Kysely<Database>, tenantId: string, options: { to?: string; limit: number }, limits: OutboxLimits): Promise<OutboxRow[]> {
  await dropExpired(db, tenantId, limits);
  let query = db.selectFrom('email_outbox').selectAll().where('tenant_id', '=', tenantId);
  if (options.to) query = query.where(sql<string>`lower(to_address)`, '=', options.to.toLowerCase());
  return query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

export async function clearOutbox(db: Kysely<Database>, tenantId: string): Promise<number> {
  const result = await db.deleteFrom('email_outbox').where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
