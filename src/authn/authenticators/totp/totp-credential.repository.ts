// TOTP secrets per user. Every change that guards security is one statement: the replay
// check moves last_used_step forward only if the step is newer, so two nodes (or two
// concurrent requests) can never both accept the same code.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../../store/database.js';
import type { TotpCredentialTable } from './totp-credential.table.js';

export type TotpCredentialRow = Selectable<TotpCredentialTable>;
type Status = TotpCredentialTable['status'];

export async function findTotpCredential(db: Kysely<Database>, tenantId: string, userId: string, status: Status): Promise<TotpCredentialRow | undefined> {
  return db.selectFrom('totp_credential').selectAll()
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('status', '=', status)
    .executeTakeFirst();
}

/** Records that `step` was used; false when it (or a later step) already was. */
export async function spendTimeStep(db: Kysely<Database>, tenantId: string, userId: string, step: number): Promise<boolean> {
  const result = await db.updateTable('totp_credential').set({ last_used_step: step })
    .where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('status', '=', 'active')
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Makes a proven secret the user's active one. In the login flow there must be none yet
 * (a concurrent enrollment that won keeps its secret: false); self-service replaces.
 */
export async function activateTotpCredential(
  db: Kysely<Database>,
  row: Omit<TotpCredentialRow, 'status'>,
  mode: 'first' | 'replace',
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (mode === 'replace') {
      await trx.deleteFrom('totp_credential').where('tenant_id', '=', row.tenant_id).where('user_id', '=', row.user_id).execute();
    } else {
      await trx.deleteFrom('totp_credential').where('tenant_id', '=', row.tenant_id).where('user_id', '=', row.user_id).where('status', '=', 'pending').execute();
    }
    const inserted = await trx.insertInto('totp_credential').values({ ...row, status: 'active' })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'status']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  });
}

/** Stores (or replaces) the self-service secret that waits for its first code. */
export async function savePendingTotpCredential(db: Kysely<Database>, row: Omit<TotpCredentialRow, 'status' | 'last_used_step'>): Promise<void> {
  await db.insertInto('totp_credential').values({ ...row, status: 'pending', last_used_step: null })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'status']).doUpdateSet({
      secret: row.secret, algorithm: row.algorithm, digits: row.digits, period: row.period, created_at: row.created_at,
    }))
    .execute();
}

/** Removes the user's TOTP entirely (reset): the next login enrolls again. */
export async function deleteTotpCredentials(db: Kysely<Database>, tenantId: string, userId: string): Promise<number> {
  const result = await db.deleteFrom('totp_credential').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes only a secret still waiting for its first code; an active one stays. */
export async function deletePendingTotpCredential(db: Kysely<Database>, tenantId: string, userId: string): Promise<number> {
  const result = await db.deleteFrom('totp_credential').where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numDeletedRows);
}
