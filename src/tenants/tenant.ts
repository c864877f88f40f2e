// A tenant as the rest of the code sees it: its domain, the path prefix it answers under,
// and its issuer. The default tenant answers both at / and at /t/carbon.super/.
import type { TenantRow } from './tenant.repository.js';

export const DEFAULT_TENANT = 'carbon.super';

export interface Tenant {
  id: string;
  domain: string;
  displayName: string;
  /** '' for the default tenant, '/t/{domain}' otherwise. */
  pathPrefix: string;
  /** base_url + pathPrefix */
  baseUrl: string;
  issuer: string;
}

export function toTenant(row: TenantRow, baseUrl: string): Tenant {
  const pathPrefix = row.domain === DEFAULT_TENANT ? '' : `/t/${row.domain}`;
  return {
    id: row.id,
    domain: row.domain,
    displayName: row.display_name,
    pathPrefix,
    baseUrl: `${baseUrl}${pathPrefix}`,
    issuer: `${baseUrl}${pathPrefix}/oauth2/token`,
  };
}

// A DNS-like name: lower-case labels of letters, digits and hyphens.
export const TENANT_DOMAIN = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
