/** One backup code of a user: only its argon2id hash is kept; a used code keeps its row with used_at. */
export interface BackupCodeTable {
  tenant_id: string;
  user_id: string;
  id: string;
  /** argon2id PHC string of the code's canonical form (ten characters, no dash). */
  hash: string;
  created_at: number;
  /** Epoch seconds when the code was spent; null while it still works. */
  used_at: number | null;
}
