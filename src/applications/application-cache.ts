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
import type { Deps } from '../deps.js';
import type { Store } from '../store/connect.js';
import { ttlCachePerStore } from '../store/ttl-cache.js';
import { findApplicationByClientId } from './application.repository.js';
import { toApplication, type Application } from './application.js';

/** How long another node's change may go unseen here. */
export const APPLICATION_CACHE_TTL_MS = 2000;
// Bounds memory if many client_ids are used at once; unknown client_ids are never kept.
const cache = ttlCachePerStore<Readonly<Application> | undefined>({ ttlMs: APPLICATION_CACHE_TTL_MS, maxEntries: 1000, keep: (app) => app !== undefined });

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
  return cache.get(deps.store, keyOf(tenantId, clientId), () => findApplicationByClientId(deps.store.db, tenantId, clientId)
    .then((row) => (row ? deepFreeze(toApplication(row, deps.secrets)) : undefined)));
}

/** Called by every write to a tenant's applications on this node. */
export function forgetApplications(store: Store, tenantId: string): void {
  cache.forget(store, `${tenantId}\n`, true);
}
