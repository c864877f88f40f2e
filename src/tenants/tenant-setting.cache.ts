// Tenant settings on the sign-in path (the TOTP parameters: read by the password POST that
// shows the TOTP page, and again by the TOTP POST), kept for a few seconds. Same freshness
// as the application cache (docs/decisions.md 12): a change through this node's services
// applies to the next request; one made on another node within TENANT_SETTING_TTL_MS.
import type { Store } from '../store/connect.js';
import { ttlCachePerStore } from '../store/ttl-cache.js';
import { readTenantSetting, writeTenantSetting } from './tenant-setting.repository.js';

export const TENANT_SETTING_TTL_MS = 2000;

const cache = ttlCachePerStore<Readonly<Record<string, unknown>>>({ ttlMs: TENANT_SETTING_TTL_MS });

const keyOf = (tenantId: string, name: string) => `${tenantId}\n${name}`;

/** The tenant's stored object for `name` ({} when none); shared and frozen: read it, never change it. */
export function cachedTenantSetting(store: Store, tenantId: string, name: string): Promise<Readonly<Record<string, unknown>>> {
  return cache.get(store, keyOf(tenantId, name), () => readTenantSetting(store.db, tenantId, name).then((v) => Object.freeze(v)));
}

/** Writes the setting and forgets this node's copy, so the next request reads the new value. */
export async function saveTenantSetting(store: Store, tenantId: string, name: string, value: Record<string, unknown>, now: number): Promise<void> {
  try {
    await writeTenantSetting(store.db, tenantId, name, value, now);
  } finally {
    cache.forget(store, keyOf(tenantId, name));
  }
}
