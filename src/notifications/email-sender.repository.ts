// The email_sender table: at most one row per tenant.
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { EmailSenderTable } from './email-sender.table.js';

export const findEmailSender = (db: Kysely<Database>, tenantId: string) =>
  db.selectFrom('email_sender').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();

export const insertEmailSender = (db: Kysely<Database>, row: Insertable<EmailSenderTable>) =>
  db.insertInto('email_sender').values(row).execute();

/** Number of rows replaced (0 when the tenant has no sender). */
export async function replaceEmailSender(db: Kysely<Database>, tenantId: string, row: Omit<Insertable<EmailSenderTable>, 'tenant_id' | 'created_at'>): Promise<number> {
  const result = await db.updateTable('email_sender').set(row).where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteEmailSender(db: Kysely<Database>, tenantId: string): Promise<number> {
  const result = await db.deleteFrom('email_sender').where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
