// Per-tenant settings: one JSON object per name, holding only the keys the tenant overrides.
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';

export async function readTenantSetting(db: Kysely<Database>, tenantId: string, name: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('tenant_setting').select('value')
    .where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
  return row ? JSON.parse(row.value) as Record<string, unknown> : {};
}

export async function writeTenantSetting(db: Kysely<Database>, tenantId: string, name: string, value: Record<string, unknown>, now: number): Promise<void> {
  await db.insertInto('tenant_setting')
    .values({ tenant_id: tenantId, name, value: JSON.stringify(value), updated_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ value: JSON.stringify(value), updated_at: now }))
    .execute();
}

/**
 * Changes the stored object with `change` (given the current one, {} when none) and
 * returns what was written. Compare-and-swap on the stored text, retried: two nodes (or
 * two requests) changing different keys at once each keep their change; a plain
 * read-merge-write lost one of them in most of 20 concurrent rounds.
 */
export async function changeTenantSetting(
  db: Kysely<Database>, tenantId: string, name: string,
  change: (current: Record<string, unknown>) => Record<string, unknown>, now: number,
): Promise<Record<string, unknown> | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await db.selectFrom('tenant_setting').select('value')
      .where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    const next = change(row ? JSON.parse(row.value) as Record<string, unknown> : {});
    const value = JSON.stringify(next);
    const written = row
      ? Number((await db.updateTable('tenant_setting').set({ value, updated_at: now })
        .where('tenant_id', '=', tenantId).where('name', '=', name).where('value', '=', row.value).executeTakeFirst()).numUpdatedRows)
      : Number((await db.insertInto('tenant_setting').values({ tenant_id: tenantId, name, value, updated_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing()).executeTakeFirst()).numInsertedOrUpdatedRows ?? 0);
    if (written > 0) return next;
  }
  return undefined;
}
