// Builds each tenant's provider on first use and keeps it; rebuilt when a tenant is
// created or its keys rotate (invalidate), so nothing restarts.
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { loadSigningJwks } from '../tenants/signing-keys.js';
import { createProvider } from './provider.js';

export interface ProviderRegistry {
  get(tenant: Tenant): Promise<Provider>;
  invalidate(tenantId: string): void;
}

export function createProviderRegistry(deps: Deps, cookieKeys: (tenantId: string) => Promise<string[]>): ProviderRegistry {
  const providers = new Map<string, Promise<Provider>>();
  return {
    get(tenant) {
      let provider = providers.get(tenant.id);
      if (!provider) {
        provider = (async () => createProvider(deps, tenant, {
          signing: await loadSigningJwks(deps.store.db, deps.secrets, tenant.id),
          cookies: await cookieKeys(tenant.id),
        }))();
        provider.catch(() => providers.delete(tenant.id));
        providers.set(tenant.id, provider);
      }
      return provider;
    },
    invalidate(tenantId) {
      providers.delete(tenantId);
    },
  };
}
