// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per code, so spending one is a conditional UPDATE of its row (used_at IS NULL)
  // and two sign-ins can never both spend the same code.
  await db.schema.createTable('backup_code')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('backup_code_pk', ['tenant_id', 'user_id', 'id'])
    .addForeignKeyConstraint('backup_code_user_fk', ['tenant_id', 'user_id'], 'app_user', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('backup_code').ifExists().execute();
}
