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
