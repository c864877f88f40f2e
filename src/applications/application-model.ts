// Our application ⇄ WSO2's ApplicationModel JSON (what the admin API speaks).
import { ADMIN_SCOPES } from '../access/admin-scopes.js';
import type { Application } from './application.js';
import { isSystemApplication } from './system-applications.js';

export function toApplicationModel(app: Application, location: string) {
  return {
    id: app.id,
    name: app.name,
    description: app.description,
    clientId: app.clientId,
    inboundProtocolConfiguration: {
      oidc: {
        clientId: app.clientId,
        grantTypes: app.oidc.grantTypes,
        callbackURLs: app.oidc.callbackURLs,
        publicClient: app.oidc.publicClient,
        pkce: app.oidc.pkce,
        clientAuthentication: { tokenEndpointAuthMethod: app.oidc.tokenEndpointAuthMethod },
        ...logoutOf(app),
      },
    },
    authenticationSequence: app.sequence,
    advancedConfigurations: { skipLoginConsent: true, skipLogoutConsent: false },
    managementScopes: app.managementScopes,
    // internal_login alone (self-service) does not make a management application.
    isManagementApp: app.managementScopes.some((s) => ADMIN_SCOPES.includes(s)),
    isSystemApp: isSystemApplication(app),
    self: location,
  };
}

export function toApplicationListItem(app: Application, location: string) {
  return { id: app.id, name: app.name, description: app.description, clientId: app.clientId, isSystemApp: isSystemApplication(app), self: location };
}

export function toOidcInbound(app: Application) {
  return {
    clientId: app.clientId,
    clientSecret: app.clientSecret ?? undefined,
    grantTypes: app.oidc.grantTypes,
    callbackURLs: app.oidc.callbackURLs,
    publicClient: app.oidc.publicClient,
    pkce: app.oidc.pkce,
    clientAuthentication: { tokenEndpointAuthMethod: app.oidc.tokenEndpointAuthMethod },
    ...logoutOf(app),
  };
}

/** WSO2's `logout` object, present when the application takes back-channel logouts. */
const logoutOf = (app: Application) =>
  (app.oidc.backChannelLogoutUrl ? { logout: { backChannelLogoutUrl: app.oidc.backChannelLogoutUrl } } : {});
