export interface TenantTable {
  id: string;
  domain: string;
  display_name: string;
  /** Sealed JSON array of cookie-signing keys for this tenant's provider. */
  cookie_keys: string;
  created_at: number;
}

export interface SigningKeyTable {
  tenant_id: string;
  kid: string;
  alg: string;
  /** Sealed private JWK. */
  private_jwk: string;
  /** 'active' signs; 'retired' is still published in the JWKS until removed. */
  status: string;
  created_at: number;
}
