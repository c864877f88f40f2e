// Tenants (organizations), for the super administrator: GET and POST /api/server/v1/tenants.
import { api } from '../../api/client';

export interface Tenant {
  id: string;
  domain: string;
  name: string;
  issuer: string;
  discovery: string;
}

export interface TenantList { totalResults: number; tenants: Tenant[] }

export interface NewTenant {
  domain: string;
  owner: { username: string; password: string; email?: string };
}

export const listTenants = (signal?: AbortSignal) => api.get<TenantList>('/tenants', signal ? { signal } : {});
export const createTenant = (body: NewTenant) => api.post<Tenant & { owners: Array<{ id: string; username: string }> }>('/tenants', body);

/** The tenant's console, from its issuer ({base}/t/{domain}/oauth2/token). */
export const consoleUrlOf = (t: Tenant): string => `${t.issuer.replace(/\/oauth2\/token$/, '')}/console/`;
