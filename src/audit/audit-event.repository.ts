// The audit_event table: insert, read newest first, purge by age. There is deliberately
// no update and no delete of single rows.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { AuditEventTable } from './audit-event.table.js';

export type AuditEventRow = Selectable<AuditEventTable>;

/** One statement for all the rows (a sign-in's last step and its completion are written together). */
export async function insertAuditEvents(db: Kysely<Database>, rows: Array<Insertable<AuditEventTable>>): Promise<void> {
  if (rows.length) await db.insertInto('audit_event').values(rows).execute();
}

/** Where the previous page ended: the last row's time and id. */
export interface AuditCursor {
  at: number;
  id: string;
}

export interface AuditQuery {
  userId?: string;
  username?: string;
  types?: readonly string[];
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  after?: AuditCursor;
  limit: number;
}

/** One page, newest first (time, then id); `limit + 1` rows are read to know whether more follow. */
export async function queryAuditEvents(db: Kysely<Database>, tenantId: string, query: AuditQuery): Promise<{ rows: AuditEventRow[]; more: boolean }> {
  let q = db.selectFrom('audit_event').selectAll().where('tenant_id', '=', tenantId);
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.username !== undefined) q = q.where('username', '=', query.username);
  if (query.types?.length) q = q.where('type', 'in', [...query.types]);
  if (query.from !== undefined) q = q.where('at', '>=', query.from);
  if (query.to !== undefined) q = q.where('at', '<', query.to);
  const after = query.after;
  if (after) {
    q = q.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
  }
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return { rows: rows.slice(0, query.limit), more: rows.length > query.limit };
}

/** Deletes every tenant's rows older than `before` (epoch ms); the retention purge. */
export async function purgeAuditEventsBefore(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('audit_event').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
