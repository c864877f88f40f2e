// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The security audit log: one row per security-relevant action, per tenant. The
  // application only inserts and reads; the retention purge is the one thing that deletes.
  await db.schema.createTable('audit_event')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    // Epoch milliseconds: a sign-in writes several rows within one second.
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(255)')
    .addColumn('actor_name', 'varchar(255)')
    .addColumn('user_id', 'varchar(255)')
    .addColumn('username', 'varchar(255)')
    .addColumn('client_id', 'varchar(255)')
    .addColumn('step', 'integer')
    .addColumn('factor', 'varchar(64)')
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('details', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_event_pk', ['tenant_id', 'id'])
    .execute();
  // Newest first per tenant (the default listing and its cursor), per user, and the purge by age.
  await db.schema.createIndex('audit_event_at_idx').on('audit_event').columns(['tenant_id', 'at', 'id']).execute();
  await db.schema.createIndex('audit_event_user_idx').on('audit_event').columns(['tenant_id', 'user_id', 'at']).execute();
  await db.schema.createIndex('audit_event_username_idx').on('audit_event').columns(['tenant_id', 'username', 'at']).execute();
  await db.schema.createIndex('audit_event_purge_idx').on('audit_event').columns(['at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_event').ifExists().execute();
}
