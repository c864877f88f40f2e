// oidc-provider's view of a user: the claims each scope releases (OIDC Core 5.4).
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { Deps } from '../deps.js';
import { findUserById } from '../users/user.repository.js';
import { toUser } from '../users/user.js';

export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
};

/** The provider keeps the account on ctx.oidc.account; the user's roles ride along so
 * later steps of the same request (the grant's admin check) need not load the user again. */
export interface GatehouseAccount extends Account {
  roles: readonly string[];
}

/** The roles of the account the provider loaded in this request, if it is this one. */
export function rolesOfAccount(account: Account | undefined, accountId: string): readonly string[] | undefined {
  return account?.accountId === accountId ? (account as Partial<GatehouseAccount>).roles : undefined;
}

export function accountFinder(deps: Deps, tenantId: string) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<GatehouseAccount | undefined> {
    const row = await findUserById(deps.store.db, tenantId, sub);
    if (!row) return undefined;
    const user = toUser(row);
    // A disabled account has no account for the provider: its refresh tokens, userinfo and
    // browser sessions stop at once (they are also revoked when it is disabled).
    if (!user.active) return undefined;
    return {
      accountId: user.id,
      roles: user.roles,
      async claims() {
        const c = user.claims;
        const name = c.name ?? ([c.given_name, c.family_name].filter(Boolean).join(' ') || undefined);
        return {
          sub: user.id,
          preferred_username: user.username,
          name,
          given_name: c.given_name,
          family_name: c.family_name,
          locale: c.locale,
          email: c.email,
          email_verified: c.email === undefined ? undefined : c.email_verified ?? false,
          updated_at: user.updatedAt,
        };
      },
    };
  };
}
