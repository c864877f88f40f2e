// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One active and at most one pending secret per user; the pending one is only for the
  // self-service API (a login's pending secret lives in the login, never here).
  await db.schema.createTable('totp_credential')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'varchar(16)', (c) => c.notNull())
    .addColumn('digits', 'integer', (c) => c.notNull())
    .addColumn('period', 'integer', (c) => c.notNull())
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('totp_credential_pk', ['tenant_id', 'user_id', 'status'])
    .addForeignKeyConstraint('totp_credential_user_fk', ['tenant_id', 'user_id'], 'app_user', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema.createTable('tenant_setting')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('tenant_setting_pk', ['tenant_id', 'name'])
    .execute();

  // Lets "sign out everywhere" find a user's sessions, grants and tokens in one statement.
  await db.schema.alterTable('oidc_model').addColumn('account_id', 'varchar(255)').execute();
  await db.schema.createIndex('oidc_model_account_idx').on('oidc_model').columns(['tenant_id', 'account_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('oidc_model_account_idx').ifExists().execute();
  await db.schema.alterTable('oidc_model').dropColumn('account_id').execute();
  await db.schema.dropTable('tenant_setting').ifExists().execute();
  await db.schema.dropTable('totp_credential').ifExists().execute();
}
