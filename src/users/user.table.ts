import type { Generated } from 'kysely';

export interface UserTable {
  tenant_id: string;
  id: string;
  username: string;
  /** argon2id PHC string; null for accounts without a password. */
  password_hash: string | null;
  /** JSON object of OIDC claims: email, given_name, family_name, name, locale, … */
  claims: string;
  /** JSON array of role names, e.g. ["admin"]. */
  roles: string;
  created_at: number;
  updated_at: number;
  version: number;
  /** 1, or 0 for a disabled account (SCIM active = false): it cannot sign in or use its tokens. */
  active: Generated<number>;
}

/** One row per user and factor: failures are counted per factor, never shared. */
export interface LoginFailureTable {
  tenant_id: string;
  user_id: string;
  factor: string;
  failed_attempts: number;
  lock_count: number;
  locked_until: number | null;
  /** Right attempts so far: what an attempt waiting for others watches (regulation.ts). */
  successes: Generated<number>;
}
