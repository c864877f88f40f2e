// oidc-provider's persistence on our store: one table, the tenant id in every key.
// Clients are not stored here: they are read from the applications table (client-metadata.ts).
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { OidcModelTable } from './oidc-model.table.js';
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { compileOnce } from '../store/compile-once.js';

// The statements of every sign-in (about fifteen), compiled once: see compile-once.ts.
const upsertQuery = compileOnce<'tenant' | 'kind' | 'id' | 'payload' | 'grant' | 'userCode' | 'uid' | 'account' | 'expires'>((db, p) => {
  const row = { payload: p('payload'), grant_id: p('grant'), user_code: p('userCode'), uid: p('uid'), account_id: p('account'), expires_at: p('expires'), consumed_at: null };
  return db.insertInto('oidc_model')
    .values({ tenant_id: p('tenant'), kind: p('kind'), id: p('id'), ...row })
    .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'id']).doUpdateSet(row));
});
const findQuery = (column: 'id' | 'uid' | 'user_code') => compileOnce<'tenant' | 'kind' | 'value'>((db, p) =>
  db.selectFrom('oidc_model').select(['payload', 'expires_at', 'consumed_at'])
    .where('tenant_id', '=', p('tenant')).where('kind', '=', p('kind')).where(column, '=', p('value')));
const findQueries = { id: findQuery('id'), uid: findQuery('uid'), user_code: findQuery('user_code') };
const consumeQuery = compileOnce<'tenant' | 'kind' | 'id' | 'now'>((db, p) =>
  db.updateTable('oidc_model').set({ consumed_at: p('now') })
    .where('tenant_id', '=', p('tenant')).where('kind', '=', p('kind')).where('id', '=', p('id'))
    .where('consumed_at', 'is', null)
    .returning('grant_id'));
const destroyQuery = compileOnce<'tenant' | 'kind' | 'id'>((db, p) =>
  db.deleteFrom('oidc_model').where('tenant_id', '=', p('tenant')).where('kind', '=', p('kind')).where('id', '=', p('id')));

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The user a row belongs to, so that signing a user out everywhere (a password change, a
 * TOTP reset, a disable) deletes it. A sign-in in progress belongs to the user it has
 * identified (the login pages put `accountId` in its result), whose login it has finished,
 * or whose session it continues: a page left open after the password step must not finish
 * the sign-in after an administrator reset the user's second factor.
 */
function accountOf(kind: string, payload: AdapterPayload): string | null {
  if (isString(payload.accountId)) return payload.accountId;
  if (kind !== 'Interaction') return null;
  const result = payload.result as { accountId?: unknown; login?: { accountId?: unknown } } | undefined;
  const session = payload.session as { accountId?: unknown } | undefined;
  return [result?.login?.accountId, result?.accountId, session?.accountId].find(isString) ?? null;
}

export interface AdapterContext {
  db: Kysely<Database>;
  clock: Clock;
  tenantId: string;
  findClient(clientId: string): Promise<AdapterPayload | undefined>;
}

export function adapterFactory(ctx: AdapterContext) {
  return class KyselyAdapter implements Adapter {
    constructor(readonly kind: string) {}

    private base() {
      return ctx.db.selectFrom('oidc_model').where('tenant_id', '=', ctx.tenantId).where('kind', '=', this.kind);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await ctx.db.executeQuery(upsertQuery(ctx.db, {
        tenant: ctx.tenantId,
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grant: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account: accountOf(this.kind, payload),
        expires: expiresIn ? epochSeconds(ctx.clock) + expiresIn : null,
      }));
    }

    private async one(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      // Ids come from request bodies the provider parses itself (token, introspection): no
      // stored id holds a NUL, and PostgreSQL would answer one with an error (a 500).
      if (value.includes('\0')) return undefined;
      const { rows } = await ctx.db.executeQuery(findQueries[column](ctx.db, { tenant: ctx.tenantId, kind: this.kind, value }));
      const row = rows[0] as Pick<Selectable<OidcModelTable>, 'payload' | 'expires_at' | 'consumed_at'> | undefined;
      if (!row) return undefined;
      if (row.expires_at !== null && Number(row.expires_at) <= epochSeconds(ctx.clock)) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      return row.consumed_at === null ? payload : { ...payload, consumed: Number(row.consumed_at) };
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.kind === 'Client') return id.includes('\0') ? undefined : ctx.findClient(id);
      return this.one('id', id);
    }

    findByUid(uid: string) { return this.one('uid', uid); }

    findByUserCode(userCode: string) { return this.one('user_code', userCode); }

    // Spent in one conditional statement: of two requests racing with the same code or
    // refresh token, only one gets tokens. The loser is a replay: the grant's tokens are
    // revoked, as oidc-provider does for a sequential reuse (RFC 6749 §4.1.2).
    async consume(id: string): Promise<void> {
      const { rows } = await ctx.db.executeQuery(consumeQuery(ctx.db, { tenant: ctx.tenantId, kind: this.kind, id, now: epochSeconds(ctx.clock) }));
      if (rows.length) return;
      const row = await this.base().select('grant_id').where('id', '=', id).executeTakeFirst();
      if (row?.grant_id) {
        await this.revokeByGrantId(row.grant_id);
        await ctx.db.deleteFrom('oidc_model').where('tenant_id', '=', ctx.tenantId).where('kind', '=', 'Grant').where('id', '=', row.grant_id).execute();
      }
      throw new errors.InvalidGrant(`${this.kind} already used`);
    }

    async destroy(id: string): Promise<void> {
      await ctx.db.executeQuery(destroyQuery(ctx.db, { tenant: ctx.tenantId, kind: this.kind, id }));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await ctx.db.deleteFrom('oidc_model').where('tenant_id', '=', ctx.tenantId).where('grant_id', '=', grantId).execute();
    }
  };
}

/** Deletes expired rows of every tenant; run periodically. */
export async function purgeExpired(db: Kysely<Database>, clock: Clock): Promise<number> {
  const now = epochSeconds(clock);
  const result = await db.deleteFrom('oidc_model').where('expires_at', '<=', now).executeTakeFirst();
  await db.deleteFrom('authn_session').where('expires_at', '<=', now).execute();
  return Number(result.numDeletedRows ?? 0);
}
