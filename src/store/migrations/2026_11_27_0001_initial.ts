// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('tenant')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('domain', 'varchar(253)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('cookie_keys', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('signing_key')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('kid', 'varchar(64)', (c) => c.notNull())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('signing_key_pk', ['tenant_id', 'kid'])
    .execute();

  await db.schema.createTable('app_user')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_user_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('app_user_username_uq', ['tenant_id', 'username'])
    .execute();

  await db.schema.createTable('login_failure')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('factor', 'varchar(64)', (c) => c.notNull())
    .addColumn('failed_attempts', 'integer', (c) => c.notNull())
    .addColumn('lock_count', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addPrimaryKeyConstraint('login_failure_pk', ['tenant_id', 'user_id', 'factor'])
    .addForeignKeyConstraint('login_failure_user_fk', ['tenant_id', 'user_id'], 'app_user', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema.createTable('application')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenant.id').onDelete('cascade'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('oidc', 'text', (c) => c.notNull())
    .addColumn('auth_sequence', 'text', (c) => c.notNull())
    .addColumn('management_scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('application_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('application_name_uq', ['tenant_id', 'name'])
    .addUniqueConstraint('application_client_uq', ['tenant_id', 'client_id'])
    .execute();

  await db.schema.createTable('oidc_model')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('id', 'varchar(255)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(255)')
    .addColumn('user_code', 'varchar(255)')
    .addColumn('uid', 'varchar(255)')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_model_pk', ['tenant_id', 'kind', 'id'])
    .execute();
  await db.schema.createIndex('oidc_model_grant_idx').on('oidc_model').columns(['tenant_id', 'grant_id']).execute();
  await db.schema.createIndex('oidc_model_uid_idx').on('oidc_model').columns(['tenant_id', 'kind', 'uid']).execute();
  await db.schema.createIndex('oidc_model_expiry_idx').on('oidc_model').column('expires_at').execute();

  await db.schema.createTable('authn_session')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('session_uid', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('authn_session_pk', ['tenant_id', 'session_uid'])
    .execute();
  await db.schema.createIndex('authn_session_user_idx').on('authn_session').columns(['tenant_id', 'user_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['authn_session', 'oidc_model', 'application', 'login_failure', 'app_user', 'signing_key', 'tenant']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
