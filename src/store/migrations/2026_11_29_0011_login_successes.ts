// Frozen in time: never import application code here.
//
// A count of right attempts per user and factor. An attempt over the lock limit waits for
// the ones being judged (authn/regulation.ts); a success among them is what tells it to try
// again, and a row that a success deleted and the next attempt created again could not
// tell it that. So a success now clears the failures in place and counts itself here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Safe to run again on a store that has the column (a migration record lost in a restore).
  const table = (await db.introspection.getTables()).find((t) => t.name === 'login_failure');
  if (table?.columns.some((c) => c.name === 'successes')) return;
  await db.schema.alterTable('login_failure').addColumn('successes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('login_failure').dropColumn('successes').execute();
}
