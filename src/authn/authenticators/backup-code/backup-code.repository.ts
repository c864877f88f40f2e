// Backup codes per user, one row each. Spending is one conditional UPDATE (used_at IS NULL),
// so of any number of concurrent sign-ins with one code, on any number of nodes, exactly
// one succeeds; replacing the set is one transaction, so no sign-in sees half of each.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../../store/database.js';
import type { BackupCodeTable } from './backup-code.table.js';

export type BackupCodeRow = Selectable<BackupCodeTable>;

/** The codes that still work: their ids and hashes. */
export async function findUnusedBackupCodes(db: Kysely<Database>, tenantId: string, userId: string): Promise<Array<Pick<BackupCodeRow, 'id' | 'hash'>>> {
  return db.selectFrom('backup_code').select(['id', 'hash'])
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('used_at', 'is', null)
    .execute();
}

export async function countUnusedBackupCodes(db: Kysely<Database>, tenantId: string, userId: string): Promise<number> {
  const row = await db.selectFrom('backup_code').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks the code used; false when it already was (another sign-in spent it first) or is gone. */
export async function spendBackupCode(db: Kysely<Database>, tenantId: string, userId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('backup_code').set({ used_at: now })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('id', '=', id).where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Replaces the user's whole set (used and unused) with `rows`. */
export async function replaceBackupCodes(db: Kysely<Database>, tenantId: string, userId: string, rows: BackupCodeRow[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // A no-op write to the user's row locks it (PostgreSQL; SQLite has one writer anyway):
    // two concurrent regenerations would otherwise each delete only committed rows and
    // leave both new sets.
    await trx.updateTable('app_user').set((eb) => ({ id: eb.ref('id') }))
      .where('tenant_id', '=', tenantId).where('id', '=', userId).execute();
    await trx.deleteFrom('backup_code').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    await trx.insertInto('backup_code').values(rows).execute();
  });
}

export async function deleteBackupCodes(db: Kysely<Database>, tenantId: string, userId: string): Promise<number> {
  const result = await db.deleteFrom('backup_code').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
