// Applications become oidc-provider clients on demand, read from the applications table
// on each lookup, so a change through the API applies to the next request.
import type { ClientMetadata } from 'oidc-provider';
import type { Application } from '../applications/application.js';
import { ADMIN_SCOPES } from '../access/admin-scopes.js';

/** Extra client metadata: the application's PKCE setting, read by pkce.required. */
export const PKCE_REQUIRED = 'gatehouse_pkce_required';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export function toClientMetadata(app: Application): ClientMetadata {
  const grants = app.oidc.grantTypes;
  const metadata: ClientMetadata = {
    client_id: app.clientId,
    client_name: app.name,
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    redirect_uris: app.oidc.callbackURLs,
    post_logout_redirect_uris: app.oidc.callbackURLs,
    token_endpoint_auth_method: app.oidc.publicClient ? 'none' : app.oidc.tokenEndpointAuthMethod,
    require_auth_time: true,
    scope: [...OIDC_SCOPES, ...app.managementScopes.filter((s) => ADMIN_SCOPES.includes(s))].join(' '),
    [PKCE_REQUIRED]: app.oidc.pkce.mandatory || app.oidc.publicClient,
  };
  if (!app.oidc.publicClient && app.clientSecret) metadata.client_secret = app.clientSecret;
  return metadata;
}
