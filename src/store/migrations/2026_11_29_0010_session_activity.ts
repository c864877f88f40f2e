// Frozen in time: never import application code here.
//
// What a user sees of each of their sign-in sessions ("Where you're signed in" in My
// Account, WSO2's /api/users/v1/me/sessions): the browser and address it signed in from,
// and when it last signed in to an application. Nullable: sessions from before this
// migration simply show none.
import type { Kysely } from 'kysely';

const COLUMNS = [
  { name: 'user_agent', type: 'varchar(512)' },
  { name: 'ip', type: 'varchar(64)' },
  { name: 'last_active_at', type: 'bigint' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // Safe to run again on a store that has the columns (a migration record lost in a restore).
  const table = (await db.introspection.getTables()).find((t) => t.name === 'authn_session');
  for (const column of COLUMNS) {
    if (table?.columns.some((c) => c.name === column.name)) continue;
    await db.schema.alterTable('authn_session').addColumn(column.name, column.type).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('authn_session').dropColumn(column.name).execute();
}
