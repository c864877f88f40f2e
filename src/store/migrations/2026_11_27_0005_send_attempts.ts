// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per code sent by email, per key ('user:{id}', 'ip:{address}'): the rate limits
  // hold across nodes sharing the database.
  await db.schema.createTable('send_attempt')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('rate_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('send_attempt_key_idx').on('send_attempt').columns(['tenant_id', 'rate_key', 'sent_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('send_attempt').ifExists().execute();
}
