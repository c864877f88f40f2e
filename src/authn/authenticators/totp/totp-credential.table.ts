/** A user's TOTP secret: 'active' once proven with a code, 'pending' while self-service enrollment waits for one. */
export interface TotpCredentialTable {
  tenant_id: string;
  user_id: string;
  status: 'active' | 'pending';
  /** The Base32 secret sealed with the server key (secret-box); never stored in plain text. */
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
  /** Highest time step accepted (replay protection); null before the first use. */
  last_used_step: number | null;
  created_at: number;
}
