// Ends every session of a user in a tenant and revokes their grants and tokens (sessions,
// authorization codes, access and refresh tokens), so the next request with any of them
// fails. Used after a password change, a TOTP reset, an unlock and by administrators.
// Applications with a back-channel logout URL are told (backchannel-logout.ts).
import type { Deps } from '../deps.js';
import { endedSessionOf, notifySessionsEnded, type EndedSession } from './backchannel-logout.js';

export async function signOutEverywhere(deps: Deps, tenantId: string, userId: string): Promise<number> {
  const db = deps.store.db;
  let ended: EndedSession[] = [];
  const revoked = await db.transaction().execute(async (trx) => {
    // Deleted first and told from what was deleted: of two sign-outs racing, only the one
    // that removed a session tells its applications.
    const sessions = await trx.deleteFrom('oidc_model')
      .where('tenant_id', '=', tenantId).where('kind', '=', 'Session').where('account_id', '=', userId).returning('payload').execute();
    ended = sessions.flatMap((row) => endedSessionOf(row.payload) ?? []);
    const grants = trx.selectFrom('oidc_model').select('id')
      .where('tenant_id', '=', tenantId).where('kind', '=', 'Grant').where('account_id', '=', userId);
    // Tokens carry the grant id; rows of older tokens may lack account_id, the grant catches them.
    const byGrant = await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('grant_id', 'in', grants).executeTakeFirst();
    const byAccount = await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('account_id', '=', userId).executeTakeFirst();
    await trx.deleteFrom('authn_session').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    const revoked = sessions.length + Number(byGrant.numDeletedRows) + Number(byAccount.numDeletedRows);
    deps.logger.info({ event: 'user_signed_out_everywhere', tenantId, userId, revoked }, 'sessions and tokens revoked');
    return revoked;
  });
  notifySessionsEnded(deps, tenantId, ended);
  return revoked;
}
