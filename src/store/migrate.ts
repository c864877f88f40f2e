// Runs the migrations in this folder, in name order, at start-up (both dialects).
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './connect.js';
import * as initial from './migrations/2026_11_27_0001_initial.js';
import * as totpAndSettings from './migrations/2026_11_27_0002_totp_and_settings.js';
import * as notifications from './migrations/2026_11_27_0003_notifications.js';
import * as emailTemplates from './migrations/2026_11_27_0004_email_templates.js';
import * as sendAttempts from './migrations/2026_11_27_0005_send_attempts.js';
import * as backupCodes from './migrations/2026_11_27_0006_backup_codes.js';
import * as audit from './migrations/2026_11_27_0007_audit.js';
import * as oidcModelPartialIndexes from './migrations/2026_11_28_0008_oidc_model_partial_indexes.js';

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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: 'gatehouse_migration', migrationLockTableName: 'gatehouse_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
}
