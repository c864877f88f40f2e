import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { ApplicationTable } from './application.table.js';

export type ApplicationRow = Selectable<ApplicationTable>;

export const findApplicationById = (db: Kysely<Database>, tenantId: string, id: string) =>
  db.selectFrom('application').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();

export const findApplicationByClientId = (db: Kysely<Database>, tenantId: string, clientId: string) =>
  db.selectFrom('application').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();

export const findApplicationByName = (db: Kysely<Database>, tenantId: string, name: string) =>
  db.selectFrom('application').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();

/** `eq` is exact; the others ignore case (WSO2's sw, co, ew). */
export interface NameFilter {
  op: 'eq' | 'sw' | 'co' | 'ew';
  value: string;
}

const likePattern = ({ op, value }: NameFilter): string => {
  const escaped = value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return op === 'sw' ? `${escaped}%` : op === 'ew' ? `%${escaped}` : `%${escaped}%`;
};

export async function listApplications(db: Kysely<Database>, tenantId: string, opts: { name?: NameFilter; excludeClientIds?: readonly string[]; offset: number; limit: number }) {
  let q = db.selectFrom('application').where('tenant_id', '=', tenantId);
  if (opts.name?.op === 'eq') q = q.where('name', '=', opts.name.value);
  else if (opts.name) q = q.where(sql<boolean>`lower(name) like ${likePattern(opts.name)} escape '\\'`);
  if (opts.excludeClientIds?.length) q = q.where('client_id', 'not in', [...opts.excludeClientIds]);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('created_at').orderBy('name').offset(opts.offset).limit(opts.limit).execute();
  return { total: Number(total.n), rows };
}

export const insertApplication = (db: Kysely<Database>, row: ApplicationRow) => db.insertInto('application').values(row).execute();

export const updateApplication = (db: Kysely<Database>, tenantId: string, id: string, values: Partial<ApplicationRow>) =>
  db.updateTable('application').set(values).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();

export const deleteApplication = (db: Kysely<Database>, tenantId: string, id: string) =>
  db.deleteFrom('application').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
