/** oidc-provider's artifacts (sessions, interactions, codes, tokens, grants), per tenant. */
export interface OidcModelTable {
  tenant_id: string;
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  /** The user the artifact belongs to (sessions, grants, codes, tokens), for revocation. */
  account_id: string | null;
  /** Epoch seconds; null for rows that never expire. */
  expires_at: number | null;
  consumed_at: number | null;
}
