/**
 * What a browser session has proven: authenticator name → epoch seconds of completion.
 * Keyed by oidc-provider's session uid (WSO2 keeps the same in its commonAuthId context).
 */
export interface AuthnSessionTable {
  tenant_id: string;
  session_uid: string;
  user_id: string;
  /** JSON object { [authenticator]: completedAt } */
  factors: string;
  expires_at: number;
  /** The browser and address of the sign-in that last wrote this row (null before migration 0010). */
  user_agent: string | null;
  ip: string | null;
  /** Epoch seconds of the last sign-in to an application through this session. */
  last_active_at: number | null;
}
