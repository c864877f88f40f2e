export interface ApplicationTable {
  tenant_id: string;
  id: string;
  name: string;
  description: string;
  client_id: string;
  /** Sealed client secret; null for public clients. */
  client_secret: string | null;
  /** JSON: OidcConfig */
  oidc: string;
  /** JSON: AuthenticationSequence */
  auth_sequence: string;
  /** JSON array of admin scopes; non-empty only for management applications. */
  management_scopes: string;
  created_at: number;
  updated_at: number;
}
