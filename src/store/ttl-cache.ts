// Short-lived in-process caches of what the sign-in path reads many times (applications,
// tenant settings). Each store has its own entries, so servers (or tests) on different
// databases in one process never share them. A load in flight is shared by every caller;
// a failed load, or a value `keep` refuses, is not kept: the next caller asks the store.
import { performance } from 'node:perf_hooks';
import type { Store } from './connect.js';

interface Entry<V> {
  expires: number;
  value: Promise<V>;
}

export interface TtlCacheOptions<V> {
  ttlMs: number;
  /** Oldest entries go first beyond this many. */
  maxEntries?: number;
  /** Whether a loaded value may be kept (e.g. not a miss). */
  keep?: (value: V) => boolean;
}

export function ttlCachePerStore<V>({ ttlMs, maxEntries = Infinity, keep }: TtlCacheOptions<V>) {
  const maps = new WeakMap<Store, Map<string, Entry<V>>>();
  const mapOf = (store: Store) => {
    let map = maps.get(store);
    if (!map) {
      map = new Map();
      maps.set(store, map);
    }
    return map;
  };
  return {
    get(store: Store, key: string, load: () => Promise<V>): Promise<V> {
      const map = mapOf(store);
      const now = performance.now();
      const hit = map.get(key);
      if (hit && hit.expires > now) return hit.value;
      const entry: Entry<V> = { expires: now + ttlMs, value: load() };
      map.set(key, entry);
      if (map.size > maxEntries) map.delete(map.keys().next().value!);
      const drop = () => { if (map.get(key) === entry) map.delete(key); };
      entry.value.then((value) => { if (keep && !keep(value)) drop(); }, drop);
      return entry.value;
    },
    /** Forgets one key, or every key that starts with `prefix`. */
    forget(store: Store, key: string, prefix = false): void {
      const map = maps.get(store);
      if (!map) return;
      if (!prefix) map.delete(key);
      else for (const k of map.keys()) if (k.startsWith(key)) map.delete(k);
    },
  };
}
