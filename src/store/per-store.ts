// In-process caches belong to one store, so servers (or tests) on different databases in
// one process never share entries.
import type { Store } from './connect.js';

/** A Map per store, created on first use; `peek` answers without creating one. */
export function mapPerStore<K, V>() {
  const maps = new WeakMap<Store, Map<K, V>>();
  return {
    of(store: Store): Map<K, V> {
      let map = maps.get(store);
      if (!map) {
        map = new Map();
        maps.set(store, map);
      }
      return map;
    },
    peek: (store: Store): Map<K, V> | undefined => maps.get(store),
  };
}
