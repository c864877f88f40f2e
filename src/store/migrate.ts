// Runs the migrations in this folder, in name order, at start-up (both dialects).
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { StoreUnreachableError, type Store } from './connect.js';
import * as initial from './migrations/2026_11_27_0001_initial.js';
import * as totpAndSettings from './migrations/2026_11_27_0002_totp_and_settings.js';
import * as notifications from './migrations/2026_11_27_0003_notifications.js';
import * as emailTemplates from './migrations/2026_11_27_0004_email_templates.js';
import * as sendAttempts from './migrations/2026_11_27_0005_send_attempts.js';
import * as backupCodes from './migrations/2026_11_27_0006_backup_codes.js';
import * as audit from './migrations/2026_11_27_0007_audit.js';
import * as oidcModelPartialIndexes from './migrations/2026_11_28_0008_oidc_model_partial_indexes.js';
import * as userActive from './migrations/2026_11_28_0009_user_active.js';
import * as sessionActivity from './migrations/2026_11_29_0010_session_activity.js';
import * as loginSuccesses from './migrations/2026_11_29_0011_login_successes.js';

// Static imports keep the build free of filesystem scanning (works from dist/ and tsx alike).
const migrations: Record<string, Migration> = {
  '2026_11_27_0001_initial': initial,
  '2026_11_27_0002_totp_and_settings': totpAndSettings,
  '2026_11_27_0003_notifications': notifications,
  '2026_11_27_0004_email_templates': emailTemplates,
  '2026_11_27_0005_send_attempts': sendAttempts,
  '2026_11_27_0006_backup_codes': backupCodes,
  '2026_11_27_0007_audit': audit,
  '2026_11_28_0008_oidc_model_partial_indexes': oidcModelPartialIndexes,
  '2026_11_28_0009_user_active': userActive,
  '2026_11_29_0010_session_activity': sessionActivity,
  '2026_11_29_0011_login_successes': loginSuccesses,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

const MIGRATION_TABLE = 'gatehouse_migration';

/**
 * The migrations the store has run, or undefined before the first (no table yet). Every start
 * but the first after an upgrade needs only this one query; the Migrator would introspect
 * the catalog, take its lock and read the table again (on PostgreSQL a dozen round trips of
 * a cold start).
 */
async function appliedMigrations(store: Store): Promise<string[] | undefined> {
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(store.db);
    return rows.map((r) => r.name);
  } catch (err) {
    // No connection at all is said as such, not as the Migrator's failure further on.
    if (err instanceof StoreUnreachableError) throw err;
    return undefined;
  }
}

/**
 * Refuses a store whose schema is ahead of this build (a rollback after an upgrade, or an
 * older node started beside newer ones): the Migrator would only call it "corrupted".
 */
function refuseNewerStore(store: Store, applied: string[]): void {
  const unknown = applied.filter((name) => !Object.hasOwn(migrations, name)).sort();
  if (unknown.length === 0) return;
  throw new Error(`the store (${store.where}) was migrated by a newer version of Gatehouse: it has run migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which this version does not know. Start that newer version, or restore a backup taken before the upgrade.`);
}

// Kysely takes no lock across processes on SQLite: a CLI command and the server (or two
// commands) starting on the same new data directory at once ran the same migration twice,
// and one of them failed ("table tenant already exists"). The loser waits and looks again.
const SQLITE_ATTEMPTS = 5;

// What the other process's run looks like from here: its tables, columns or migration rows
// already there, or its write lock held. Anything else (a full disk, a broken migration) is
// this store's problem and is reported at once.
const RACE = /already exists|duplicate column name|UNIQUE constraint failed: gatehouse_migration|database is locked|SQLITE_BUSY/i;

export async function migrateToLatest(store: Store): Promise<void> {
  let first: unknown;
  for (let attempt = 1; ; attempt++) {
    const applied = await appliedMigrations(store);
    if (applied) {
      refuseNewerStore(store, applied);
      if (applied.length === Object.keys(migrations).length) return;
    }
    try {
      await runMigrator(store);
      return;
    } catch (err) {
      first ??= err;
      const race = store.dialect === 'sqlite' && RACE.test(`${(err as Error).message} ${(err as { code?: string }).code ?? ''}`);
      // The first failure is the one worth reading: later attempts trip over what it left.
      if (!race || attempt >= SQLITE_ATTEMPTS) throw first;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

async function runMigrator(store: Store): Promise<void> {
  const migrator = new Migrator({
    db: store.db, provider, migrationTableName: MIGRATION_TABLE, migrationLockTableName: 'gatehouse_migration_lock',
    // The names sort by their timestamp prefix; localeCompare (the default) loads ICU's
    // collation data first, 18 ms of a cold start.
    nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (!error && !failed) return;
  if (error instanceof StoreUnreachableError) throw error;
  const reason = (error as Error | undefined)?.message ?? 'unknown error';
  throw new Error(`database migration ${failed ? `${failed.migrationName} ` : ''}failed on ${store.where}: ${reason}`, { cause: error });
}
