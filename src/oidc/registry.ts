// Builds each tenant's provider on first use and keeps it; rebuilt when a tenant is
// created (invalidate) or its active signing key changes, so nothing restarts.
//
// A key rotated elsewhere (`gatehouse keys rotate`, another node) is noticed without a
// restart: at most once per KEY_CHECK_SECONDS per tenant, a request starts a look at the
// tenant's active key id (one indexed query, not on that request's path). A provider
// built with another key is rebuilt in the background and swapped in once it is ready;
// requests meanwhile keep the provider they had, whose keys are all still published.
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { loadSigningJwks, KEY_CHECK_SECONDS } from '../tenants/signing-keys.js';
import { activeSigningKid } from '../tenants/tenant.repository.js';
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
  checkedAt: number;
  checking: boolean;
}

export function createProviderRegistry(deps: Deps, cookieKeys: (tenantId: string) => Promise<string[]>): ProviderRegistry {
  const entries = new Map<string, Entry>();

  const build = (tenant: Tenant): Entry => {
    const entry = { checkedAt: epochSeconds(deps.clock), checking: false } as Entry;
    entry.provider = (async () => {
      const signing = await loadSigningJwks(deps.store.db, deps.secrets, tenant.id,
        (kid) => deps.logger.error({ tenant: tenant.domain, kid }, 'a retired signing key cannot be opened with this server\'s encryption key; it is left out of the JWKS'));
      entry.kid = typeof signing[0]?.kid === 'string' ? signing[0].kid : undefined;
      return createProvider(deps, tenant, { signing, cookies: await cookieKeys(tenant.id) });
    })();
    entry.provider.catch(() => { if (entries.get(tenant.id) === entry) entries.delete(tenant.id); });
    return entry;
  };

  const recheck = async (tenant: Tenant, entry: Entry) => {
    entry.checking = true;
    entry.checkedAt = epochSeconds(deps.clock);
    try {
      const active = await activeSigningKid(deps.store.db, tenant.id);
      // A provider built without a key (none was visible yet) is rebuilt once one is.
      if (!active || active === entry.kid || entries.get(tenant.id) !== entry) return;
      const next = build(tenant);
      await next.provider;
      if (entries.get(tenant.id) !== entry) return;
      entries.set(tenant.id, next);
      deps.logger.info({ tenant: tenant.domain, kid: next.kid, previous: entry.kid }, 'signing key changed: provider rebuilt');
    } catch (err) {
      deps.logger.warn({ tenant: tenant.domain, err: (err as Error).message }, 'checking the signing key failed; keeping the current one');
    } finally {
      entry.checking = false;
    }
  };

  return {
    get(tenant) {
      let entry = entries.get(tenant.id);
      if (!entry) {
        entry = build(tenant);
        entries.set(tenant.id, entry);
      } else if (!entry.checking && epochSeconds(deps.clock) - entry.checkedAt >= KEY_CHECK_SECONDS) {
        void recheck(tenant, entry);
      }
      return entry.provider;
    },
    invalidate(tenantId) {
      entries.delete(tenantId);
    },
  };
}
