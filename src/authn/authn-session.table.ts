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
}
