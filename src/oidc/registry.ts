// Builds each tenant's provider on first use and keeps it; rebuilt when a tenant is
// created (invalidate) or its signing keys change, so nothing restarts.
//
// Keys changed elsewhere (`gatehouse keys rotate` or `keys remove`, another node) are
// noticed without a restart: the first request for a tenant once KEY_CHECK_SECONDS have
// passed since the last look waits for a look at the tenant's key ids (one indexed
// query) and, when they changed, for the rebuilt provider. Requests within the interval
// take the provider as it is, without a query. So every answer reflects the keys as they
// were in the store at most KEY_CHECK_SECONDS earlier, however long the node was idle: a
// check started by the request and left running in the background made the first request
// to an idle node always answer with the key set of before the rotation, and relying
// parties that cache a JWKS miss (jose's remote JWKS: 30 s) could not verify the new key's
// tokens.
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { loadSigningKeys, signingKeySet, KEY_CHECK_SECONDS } from '../tenants/signing-keys.js';
import { epochSeconds } from '../clock.js';
import { createProvider } from './provider.js';

export interface ProviderRegistry {
  get(tenant: Tenant): Promise<Provider>;
  invalidate(tenantId: string): void;
}

interface Entry {
  provider: Promise<Provider>;
  /** The active key the provider signs with (known once it is built). */
  kid?: string;
  /** The tenant's key set the provider was built from (signingKeySet). */
  keys?: string;
  /** When the keys were last read from the store (build or check), in epoch seconds. */
  checkedAt: number;
  /** The check under way: every request that arrives meanwhile waits for this one. */
  check?: Promise<void>;
}

export function createProviderRegistry(deps: Deps, cookieKeys: (tenantId: string) => Promise<string[]>): ProviderRegistry {
  const entries = new Map<string, Entry>();

  const build = (tenant: Tenant): Entry => {
    const entry = { checkedAt: epochSeconds(deps.clock) } as Entry;
    entry.provider = (async () => {
      // The key set and the keys from one read: a key changed since is seen by the next check.
      const { jwks: signing, keySet } = await loadSigningKeys(deps.store.db, deps.secrets, tenant.id,
        (kid) => deps.logger.error({ tenant: tenant.domain, kid }, 'a retired signing key cannot be opened with this server\'s encryption key; it is left out of the JWKS'));
      entry.keys = keySet;
      entry.kid = typeof signing[0]?.kid === 'string' ? signing[0].kid : undefined;
      return createProvider(deps, tenant, { signing, cookies: await cookieKeys(tenant.id) });
    })();
    entry.provider.catch(() => { if (entries.get(tenant.id) === entry) entries.delete(tenant.id); });
    return entry;
  };

  const recheck = async (tenant: Tenant, entry: Entry) => {
    entry.checkedAt = epochSeconds(deps.clock);
    try {
      // Its kid is known once it is built; one that failed is already gone from the map.
      await entry.provider.catch(() => undefined);
      if (entries.get(tenant.id) !== entry) return;
      const keys = await signingKeySet(deps.store.db, tenant.id);
      // A rotation or a removed key (`gatehouse keys …`); a provider built without a key
      // (none was visible yet) is rebuilt once one is.
      if (!keys || keys === entry.keys || entries.get(tenant.id) !== entry) return;
      const next = build(tenant);
      await next.provider;
      if (entries.get(tenant.id) !== entry) return;
      entries.set(tenant.id, next);
      deps.logger.info({ tenant: tenant.domain, kid: next.kid, previous: entry.kid }, 'signing keys changed: provider rebuilt');
    } catch (err) {
      // The store did not answer or the new provider failed to build: keep answering with
      // the current one (its keys are all still published) and look again next interval.
      deps.logger.warn({ tenant: tenant.domain, err: (err as Error).message }, 'checking the signing key failed; keeping the current one');
    }
  };

  const current = (tenant: Tenant): Entry => {
    let entry = entries.get(tenant.id);
    if (!entry) {
      entry = build(tenant);
      entries.set(tenant.id, entry);
    }
    return entry;
  };

  return {
    get(tenant) {
      const entry = current(tenant);
      if (!entry.check && epochSeconds(deps.clock) - entry.checkedAt < KEY_CHECK_SECONDS) return entry.provider;
      entry.check ??= recheck(tenant, entry).finally(() => { entry.check = undefined; });
      // The check may have swapped in a rebuilt provider, or the tenant was invalidated meanwhile.
      return entry.check.then(() => current(tenant).provider);
    },
    invalidate(tenantId) {
      entries.delete(tenantId);
    },
  };
}
