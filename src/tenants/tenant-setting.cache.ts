// Tenant settings on the sign-in path (the TOTP parameters: read by the password POST that
// shows the TOTP page, and again by the TOTP POST), kept for a few seconds. Same freshness
// as the application cache (docs/decisions.md 12): a change through this node's services
// applies to the next request; one made on another node within TENANT_SETTING_TTL_MS.
import { performance } from 'node:perf_hooks';
import type { Store } from '../store/connect.js';
import { mapPerStore } from '../store/per-store.js';
import { readTenantSetting, writeTenantSetting } from './tenant-setting.repository.js';

export const TENANT_SETTING_TTL_MS = 2000;

interface Entry {
  expires: number;
  value: Promise<Readonly<Record<string, unknown>>>;
}

const caches = mapPerStore<string, Entry>();
const cacheOf = caches.of;

const keyOf = (tenantId: string, name: string) => `${tenantId}\n${name}`;

/** The tenant's stored object for `name` ({} when none); shared and frozen: read it, never change it. */
export function cachedTenantSetting(store: Store, tenantId: string, name: string): Promise<Readonly<Record<string, unknown>>> {
  const cache = cacheOf(store);
  const key = keyOf(tenantId, name);
  const now = performance.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.value;
  const value = readTenantSetting(store.db, tenantId, name).then((v) => Object.freeze(v));
  const entry: Entry = { expires: now + TENANT_SETTING_TTL_MS, value };
  cache.set(key, entry);
  // A failed read is not kept: the next one asks the store again.
  value.catch(() => { if (cache.get(key) === entry) cache.delete(key); });
  return value;
}

/** Writes the setting and forgets this node's copy, so the next request reads the new value. */
export async function saveTenantSetting(store: Store, tenantId: string, name: string, value: Record<string, unknown>, now: number): Promise<void> {
  try {
    await writeTenantSetting(store.db, tenantId, name, value, now);
  } finally {
    caches.peek(store)?.delete(keyOf(tenantId, name));
  }
}
