// Applications as the sign-in path reads them: by client_id, decoded (JSON parsed, client
// secret opened) once and kept for a few seconds. One sign-in looks its application up
// about six times (authorize, login page, login POST, resume twice, token); without the
// cache each lookup was a query, three JSON.parse and an AES-GCM decryption.
//
// Freshness: a change through this node's services (patch, delete) forgets the tenant's
// entries at once, so the next request sees it. A change made elsewhere (another node on
// the same PostgreSQL, the CLI on the same data dir) is seen after at most TTL_MS: the
// cache has no cross-node invalidation, and a short bound was preferred to a version
// query on every lookup (which would cost a statement, the thing being saved).
import { performance } from 'node:perf_hooks';
import type { Deps } from '../deps.js';
import type { Store } from '../store/connect.js';
import { mapPerStore } from '../store/per-store.js';
import { findApplicationByClientId } from './application.repository.js';
import { toApplication, type Application } from './application.js';

/** How long another node's change may go unseen here. */
export const APPLICATION_CACHE_TTL_MS = 2000;
// Bounds memory if many client_ids are used at once; unknown client_ids are never kept.
const MAX_ENTRIES = 1000;

interface Entry {
  expires: number;
  app: Promise<Readonly<Application> | undefined>;
}

const caches = mapPerStore<string, Entry>();
const cacheOf = caches.of;

const keyOf = (tenantId: string, clientId: string) => `${tenantId}\n${clientId}`;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The application with this client_id, or undefined. The object is shared between
 * requests and frozen: callers read it, never change it.
 */
export function findApplicationForClient(deps: Deps, tenantId: string, clientId: string): Promise<Readonly<Application> | undefined> {
  const cache = cacheOf(deps.store);
  const key = keyOf(tenantId, clientId);
  const now = performance.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.app;
  const app = findApplicationByClientId(deps.store.db, tenantId, clientId)
    .then((row) => (row ? deepFreeze(toApplication(row, deps.secrets)) : undefined));
  const entry: Entry = { expires: now + APPLICATION_CACHE_TTL_MS, app };
  cache.set(key, entry);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  // Misses and failures are not kept: the next lookup asks the store again.
  const drop = () => { if (cache.get(key) === entry) cache.delete(key); };
  app.then((found) => { if (!found) drop(); }, drop);
  return app;
}

/** Called by every write to a tenant's applications on this node. */
export function forgetApplications(store: Store, tenantId: string): void {
  const cache = caches.peek(store);
  if (!cache) return;
  const prefix = `${tenantId}\n`;
  for (const key of cache.keys()) if (key.startsWith(prefix)) cache.delete(key);
}
