// The application API (WSO2's /api/server/v1/applications) as the Service Providers pages use it.
import { api } from '../../api/client';

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

export interface SequenceOption { idp: 'LOCAL'; authenticator: string }
export interface SequenceStep { id: number; options: SequenceOption[] }
export interface AuthenticationSequence {
  type: 'DEFAULT' | 'USER_DEFINED';
  steps: SequenceStep[];
  subjectStepId: number;
  attributeStepId: number;
}

export interface ApplicationListItem {
  id: string;
  name: string;
  description: string;
  clientId: string;
  isSystemApp: boolean;
}

export interface ApplicationList {
  totalResults: number;
  startIndex: number;
  count: number;
  applications: ApplicationListItem[];
}

export interface Application extends ApplicationListItem {
  authenticationSequence: AuthenticationSequence;
  managementScopes: string[];
  isManagementApp: boolean;
}

export interface OidcInbound {
  clientId: string;
  clientSecret?: string;
  grantTypes: GrantType[];
  callbackURLs: string[];
  publicClient: boolean;
  pkce: { mandatory: boolean };
  /** Present when the application takes back-channel logouts. */
  logout?: { backChannelLogoutUrl: string };
}

export interface AuthenticatorInfo {
  name: string;
  aliases: string[];
  displayName: string;
  isEnabled: boolean;
  needsKnownUser: boolean;
}

export interface ApplicationPatch {
  name?: string;
  description?: string;
  inboundProtocolConfiguration?: { oidc: { grantTypes: GrantType[]; callbackURLs: string[]; publicClient: boolean; pkce: { mandatory: boolean }; logout: { backChannelLogoutUrl: string | null } } };
  authenticationSequence?: Partial<AuthenticationSequence> & { type: AuthenticationSequence['type'] };
}

const APPS = '/applications';

export const listApplications = (query: { search: string; limit: number; offset: number }, signal?: AbortSignal) =>
  api.get<ApplicationList>(APPS, {
    query: {
      // The API's filter quotes the value; a quote inside cannot be expressed, so it is dropped.
      filter: query.search ? `name co "${query.search.replace(/"/g, '')}"` : undefined,
      limit: query.limit,
      offset: query.offset,
      excludeSystemPortals: false,
    },
    ...(signal ? { signal } : {}),
  });

export const registerApplication = (body: { name: string; description: string }) => api.post<Application>(APPS, body);
export const getApplication = (id: string, signal?: AbortSignal) => api.get<Application>(`${APPS}/${encodeURIComponent(id)}`, signal ? { signal } : {});
export const getOidcInbound = (id: string, signal?: AbortSignal) => api.get<OidcInbound>(`${APPS}/${encodeURIComponent(id)}/inbound-protocols/oidc`, signal ? { signal } : {});
export const patchApplication = (id: string, body: ApplicationPatch) => api.patch<Application>(`${APPS}/${encodeURIComponent(id)}`, body);
export const deleteApplication = (id: string) => api.delete(`${APPS}/${encodeURIComponent(id)}`);
export const regenerateSecret = (id: string) => api.post<OidcInbound>(`${APPS}/${encodeURIComponent(id)}/inbound-protocols/oidc/regenerate-secret`);
export const listAuthenticators = (signal?: AbortSignal) => api.get<AuthenticatorInfo[]>('/authenticators', signal ? { signal } : {});

/** The name an administrator types and the WSO2 guide uses: the alias when there is one ('basic'), else the name ('totp'). */
export const shortName = (a: AuthenticatorInfo): string => a.aliases[0] ?? a.name;

/** What a select or list shows: 'basic (Username & Password)'; the display name only when it adds something. */
export const authenticatorLabel = (a: AuthenticatorInfo): string => {
  const short = shortName(a);
  return a.displayName && a.displayName.toLowerCase() !== short.toLowerCase() ? `${short} (${a.displayName})` : short;
};

/** Canonical name or alias → the authenticator (stored sequences hold canonical names). */
export const findAuthenticator = (list: readonly AuthenticatorInfo[], name: string): AuthenticatorInfo | undefined =>
  list.find((a) => a.name === name || a.aliases.includes(name));
