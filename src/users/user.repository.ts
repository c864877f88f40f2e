import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { UserTable } from './user.table.js';

export type UserRow = Selectable<UserTable>;

export const findUserById = (db: Kysely<Database>, tenantId: string, id: string) =>
  db.selectFrom('app_user').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();

export const findUserByUsername = (db: Kysely<Database>, tenantId: string, username: string) =>
  db.selectFrom('app_user').selectAll().where('tenant_id', '=', tenantId).where('username', '=', username).executeTakeFirst();

export async function listUsers(db: Kysely<Database>, tenantId: string, opts: { username?: string; offset: number; limit: number }) {
  let q = db.selectFrom('app_user').where('tenant_id', '=', tenantId);
  if (opts.username !== undefined) q = q.where('username', '=', opts.username);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('created_at').orderBy('username').offset(opts.offset).limit(opts.limit).execute();
  return { total: Number(total.n), rows };
}

export const insertUser = (db: Kysely<Database>, row: UserRow) => db.insertInto('app_user').values(row).execute();

/**
 * Writes `values` and the next version, counted by the statement itself, so two writes
 * never leave two different users under one version (an If-Match on it would then accept a
 * state its sender never saw). With `expectedVersion`, only if the row still has it
 * (numUpdatedRows 0 otherwise).
 */
export function updateUser(db: Kysely<Database>, tenantId: string, id: string, values: Omit<Partial<UserRow>, 'version'>, expectedVersion?: number) {
  let q = db.updateTable('app_user').set({ ...values, version: sql<number>`version + 1` }).where('tenant_id', '=', tenantId).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.executeTakeFirst();
}

/** With `expectedVersion`, only if the row still has it (numDeletedRows 0 otherwise). */
export function deleteUser(db: Kysely<Database>, tenantId: string, id: string, expectedVersion?: number) {
  let q = db.deleteFrom('app_user').where('tenant_id', '=', tenantId).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.executeTakeFirst();
}
