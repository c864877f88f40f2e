// Service providers as the rest of the code sees them.
import type { Selectable } from 'kysely';
import type { ApplicationTable } from './application.table.js';
import type { SecretBox } from '../crypto/secret-box.js';

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface OidcConfig {
  grantTypes: GrantType[];
  callbackURLs: string[];
  publicClient: boolean;
  pkce: { mandatory: boolean; supportPlainTransformAlgorithm: false };
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** OpenID Connect Back-Channel Logout: where the application is told that a session ended. */
  backChannelLogoutUrl?: string;
}

export interface SequenceStep {
  id: number;
  options: Array<{ idp: 'LOCAL'; authenticator: string }>;
}

export interface AuthenticationSequence {
  type: 'DEFAULT' | 'USER_DEFINED';
  steps: SequenceStep[];
  subjectStepId: number;
  attributeStepId: number;
}

export interface Application {
  tenantId: string;
  id: string;
  name: string;
  description: string;
  clientId: string;
  clientSecret: string | null;
  oidc: OidcConfig;
  sequence: AuthenticationSequence;
  managementScopes: string[];
  createdAt: number;
  updatedAt: number;
}

export const DEFAULT_SEQUENCE: AuthenticationSequence = {
  type: 'DEFAULT',
  steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] }],
  subjectStepId: 1,
  attributeStepId: 1,
};

export function toApplication(row: Selectable<ApplicationTable>, secrets: SecretBox): Application {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    description: row.description,
    clientId: row.client_id,
    clientSecret: row.client_secret ? secrets.open(row.client_secret) : null,
    oidc: JSON.parse(row.oidc) as OidcConfig,
    sequence: JSON.parse(row.auth_sequence) as AuthenticationSequence,
    managementScopes: JSON.parse(row.management_scopes) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The sequence that actually runs: DEFAULT means one basic step, whatever is stored. */
export function effectiveSequence(app: Application): AuthenticationSequence {
  return app.sequence.type === 'DEFAULT' ? DEFAULT_SEQUENCE : app.sequence;
}
