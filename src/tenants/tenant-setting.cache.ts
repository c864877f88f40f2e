// Tenant settings on the sign-in path (the TOTP parameters: read by the password POST that
// shows the TOTP page, and again by the TOTP POST), kept for a few seconds. Same freshness
// as the application cache (docs/decisions.md 12): a change through this node's services
// applies to the next request; one made on another node within TENANT_SETTING_TTL_MS.
import type { Store } from '../store/connect.js';
import { ttlCachePerStore } from '../store/ttl-cache.js';
import { changeTenantSetting, readTenantSetting } from './tenant-setting.repository.js';
import { conflict } from '../errors.js';

export const TENANT_SETTING_TTL_MS = 2000;

const cache = ttlCachePerStore<Readonly<Record<string, unknown>>>({ ttlMs: TENANT_SETTING_TTL_MS });

const keyOf = (tenantId: string, name: string) => `${tenantId}\n${name}`;

/** The tenant's stored object for `name` ({} when none); shared and frozen: read it, never change it. */
export function cachedTenantSetting(store: Store, tenantId: string, name: string): Promise<Readonly<Record<string, unknown>>> {
  return cache.get(store, keyOf(tenantId, name), () => readTenantSetting(store.db, tenantId, name).then((v) => Object.freeze(v)));
}

/** Changes the setting atomically (changeTenantSetting) and forgets this node's copy; 409 if it kept changing underneath. */
export async function updateTenantSetting(store: Store, tenantId: string, name: string, change: (current: Record<string, unknown>) => Record<string, unknown>, now: number): Promise<Record<string, unknown>> {
  try {
    const written = await changeTenantSetting(store.db, tenantId, name, change, now);
    if (!written) throw conflict('this setting kept changing while it was being saved: try again');
    return written;
  } finally {
    cache.forget(store, keyOf(tenantId, name));
  }
}
