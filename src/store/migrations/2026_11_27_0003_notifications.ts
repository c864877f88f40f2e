// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // At most one sender per tenant (WSO2's "EmailPublisher"); the password is sealed.
  await db.schema.createTable('email_sender')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.primaryKey().references('tenant.id').onDelete('cascade'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('smtp_host', 'varchar(253)', (c) => c.notNull())
    .addColumn('smtp_port', 'integer', (c) => c.notNull())
    .addColumn('from_address', 'varchar(254)', (c) => c.notNull())
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('password', 'text')
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // The development outbox: mail kept instead of sent when no SMTP server is configured.
  // Milliseconds, because several messages of one login arrive within the same second
  // and the outbox lists them newest first.
  await db.schema.createTable('email_outbox')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('to_address', 'varchar(254)', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_outbox_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('email_outbox_created_idx').on('email_outbox').columns(['tenant_id', 'created_at_ms']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_outbox').ifExists().execute();
  await db.schema.dropTable('email_sender').ifExists().execute();
}
