// The user as services see it, decoded from its row.
import type { UserRow } from './user.repository.js';

export interface UserClaims {
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  locale?: string;
  [claim: string]: unknown;
}

export interface User {
  tenantId: string;
  id: string;
  username: string;
  passwordHash: string | null;
  claims: UserClaims;
  roles: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
  /** False for a disabled account: no sign-in, no tokens, no API calls. */
  active: boolean;
}

export const ADMIN_ROLE = 'admin';

export function toUser(row: UserRow): User {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    claims: JSON.parse(row.claims) as UserClaims,
    roles: JSON.parse(row.roles) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: row.version,
    active: Number(row.active) !== 0,
  };
}

export const isAdmin = (user: User): boolean => user.roles.includes(ADMIN_ROLE);
