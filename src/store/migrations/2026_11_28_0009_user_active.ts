// Frozen in time: never import application code here.
//
// SCIM's `active` (RFC 7643 §4.1.1): an administrator, or a provisioning client such as
// Entra ID, can disable an account without deleting it. An integer on both dialects
// (1 active, 0 disabled) so the repositories read it the same way; every existing user stays active.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Safe to run again on a store that has the column (a migration record lost in a restore).
  const users = (await db.introspection.getTables()).find((t) => t.name === 'app_user');
  if (users?.columns.some((c) => c.name === 'active')) return;
  await db.schema.alterTable('app_user').addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('app_user').dropColumn('active').execute();
}
