// Applications become oidc-provider clients on demand, from the application cache
// (applications/application-cache.ts): a change through this node's API applies to the
// next request, one made on another node within its TTL. No provider rebuild either way.
import type { ClientMetadata } from 'oidc-provider';
import type { Application } from '../applications/application.js';
import { MANAGEMENT_SCOPES } from '../access/admin-scopes.js';

/** Extra client metadata: the application's PKCE setting, read by pkce.required. */
export const PKCE_REQUIRED = 'gatehouse_pkce_required';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

// Arrays are copied: the application may be the cache's shared, frozen object.
export function toClientMetadata(app: Readonly<Application>): ClientMetadata {
  const grants = app.oidc.grantTypes;
  const metadata: ClientMetadata = {
    client_id: app.clientId,
    client_name: app.name,
    grant_types: [...grants],
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    redirect_uris: [...app.oidc.callbackURLs],
    post_logout_redirect_uris: [...app.oidc.callbackURLs],
    token_endpoint_auth_method: app.oidc.publicClient ? 'none' : app.oidc.tokenEndpointAuthMethod,
    require_auth_time: true,
    scope: [...OIDC_SCOPES, ...app.managementScopes.filter((s) => MANAGEMENT_SCOPES.includes(s))].join(' '),
    [PKCE_REQUIRED]: app.oidc.pkce.mandatory || app.oidc.publicClient,
  };
  if (app.oidc.backChannelLogoutUrl) {
    metadata.backchannel_logout_uri = app.oidc.backChannelLogoutUrl;
    // Our sessions span applications: the application needs sid to end the right one.
    metadata.backchannel_logout_session_required = true;
  }
  if (!app.oidc.publicClient && app.clientSecret) metadata.client_secret = app.clientSecret;
  return metadata;
}
