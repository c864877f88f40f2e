import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { TenantTable, SigningKeyTable } from './tenant.table.js';

export type TenantRow = Selectable<TenantTable>;
export type SigningKeyRow = Selectable<SigningKeyTable>;

export const findTenantByDomain = (db: Kysely<Database>, domain: string) =>
  db.selectFrom('tenant').selectAll().where('domain', '=', domain).executeTakeFirst();

export const findTenantById = (db: Kysely<Database>, id: string) =>
  db.selectFrom('tenant').selectAll().where('id', '=', id).executeTakeFirst();

export const listTenants = (db: Kysely<Database>) =>
  db.selectFrom('tenant').selectAll().orderBy('created_at').orderBy('domain').execute();

export const insertTenant = (db: Kysely<Database>, row: TenantRow) =>
  db.insertInto('tenant').values(row).execute();

export const listSigningKeys = (db: Kysely<Database>, tenantId: string) =>
  db.selectFrom('signing_key').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').execute();

export const insertSigningKey = (db: Kysely<Database>, row: SigningKeyRow) =>
  db.insertInto('signing_key').values(row).execute();
