import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { EmailTemplateTable } from './email-template.table.js';

export type EmailTemplateRow = Selectable<EmailTemplateTable>;

export const findEmailTemplate = (db: Kysely<Database>, tenantId: string, typeId: string, locale: string) =>
  db.selectFrom('email_template').selectAll()
    .where('tenant_id', '=', tenantId).where('type_id', '=', typeId).where('locale', '=', locale)
    .executeTakeFirst();

export const listEmailTemplates = (db: Kysely<Database>, tenantId: string, typeId: string) =>
  db.selectFrom('email_template').selectAll()
    .where('tenant_id', '=', tenantId).where('type_id', '=', typeId)
    .orderBy('locale').execute();

/** Inserts unless the row exists; false when it did (the caller answers 409). */
export async function insertEmailTemplate(db: Kysely<Database>, row: EmailTemplateRow): Promise<boolean> {
  const result = await db.insertInto('email_template').values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'type_id', 'locale']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function upsertEmailTemplate(db: Kysely<Database>, row: EmailTemplateRow): Promise<void> {
  const { tenant_id: _t, type_id: _y, locale: _l, ...changes } = row;
  await db.insertInto('email_template').values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'type_id', 'locale']).doUpdateSet(changes))
    .execute();
}

export async function deleteEmailTemplate(db: Kysely<Database>, tenantId: string, typeId: string, locale: string): Promise<boolean> {
  const result = await db.deleteFrom('email_template')
    .where('tenant_id', '=', tenantId).where('type_id', '=', typeId).where('locale', '=', locale)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
