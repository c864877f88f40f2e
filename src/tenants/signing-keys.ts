// Per-tenant signing keys: generated on tenant creation, sealed at rest, published in
// the tenant's JWKS. Rotation adds a new active key and keeps the old ones published.
import { randomBytes } from 'node:crypto';
import { newRsaPrivateJwk } from './rsa-private-jwk.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Deps } from '../deps.js';
import { insertSigningKey, listSigningKeys, type SigningKeyRow } from './tenant.repository.js';

/** A new RS256 key as its row (sealed), to be inserted as the tenant's active key. */
export function newSigningKeyRow(secrets: SecretBox, tenantId: string, now: number) {
  // Hex, not base64url: one kid in 64 began with '-', which a command line reads as an
  // option (`gatehouse keys remove -Xq…` was a usage error).
  const kid = randomBytes(12).toString('hex');
  const jwk = { ...newRsaPrivateJwk(), kid, alg: 'RS256', use: 'sig' };
  return { tenant_id: tenantId, kid, alg: 'RS256', private_jwk: secrets.seal(JSON.stringify(jwk)), status: 'active' as const, created_at: now };
}

/**
 * Rotation: a new active key; every active one before it is retired (still published).
 *
 * Rotations of one tenant are serialized. Under PostgreSQL's READ COMMITTED, two at once
 * both retired the key active when they started and both inserted theirs: two active
 * keys, and nodes could pick different ones to sign with. The tenant row is locked first,
 * so the second waits and its UPDATE (a new snapshot) retires the first one's key. SQLite
 * takes its single write lock at the UPDATE, which serializes the same way.
 */
export async function createSigningKey(deps: Pick<Deps, 'store' | 'secrets'>, tenantId: string, now: number): Promise<string> {
  const row = newSigningKeyRow(deps.secrets, tenantId, now);
  await deps.store.db.transaction().execute(async (trx) => {
    if (deps.store.dialect === 'postgres') {
      await trx.selectFrom('tenant').select('id').where('id', '=', tenantId).forUpdate().execute();
    }
    await trx.updateTable('signing_key').set({ status: 'retired' }).where('tenant_id', '=', tenantId).where('status', '=', 'active').execute();
    await insertSigningKey(trx, row);
  });
  return row.kid;
}

/**
 * Which key signs when a store holds more than one active key (concurrent rotations wrote
 * two before they were serialized): the newest, and of those created in the same second
 * the greatest kid. Compared here rather than in SQL, where PostgreSQL would order kids by
 * the database's collation; signingKeySet and loadSigningKeys must put the same key first,
 * or the registry rebuilds a tenant's provider on every check and nodes sign differently.
 */
type Ordered = Pick<SigningKeyRow, 'kid' | 'status' | 'created_at'>;
const signingOrder = (a: Ordered, b: Ordered): number =>
  Number(b.status === 'active') - Number(a.status === 'active')
  || b.created_at - a.created_at
  || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);

/**
 * The tenant's keys as one string, the signing one first (one indexed query): what a
 * running provider compares its own with, so a rotation and a removed key are both noticed.
 */
export async function signingKeySet(db: Kysely<Database>, tenantId: string): Promise<string> {
  const rows = await db.selectFrom('signing_key').select(['kid', 'status', 'created_at']).where('tenant_id', '=', tenantId).execute();
  return keySetOf(rows);
}

const keySetOf = (rows: Ordered[]): string => [...rows].sort(signingOrder).map((r) => r.kid).join(' ');

/**
 * Withdraws a retired key (one that leaked, say): no node publishes it once it has looked
 * again, so tokens it signed stop verifying. The active key cannot go: rotate first.
 */
export async function removeSigningKey(db: Kysely<Database>, tenantId: string, kid: string): Promise<'removed' | 'active' | 'unknown'> {
  const deleted = await db.deleteFrom('signing_key').where('tenant_id', '=', tenantId).where('kid', '=', kid).where('status', '=', 'retired').executeTakeFirst();
  if (Number(deleted.numDeletedRows) > 0) return 'removed';
  const left = await db.selectFrom('signing_key').select('status').where('tenant_id', '=', tenantId).where('kid', '=', kid).executeTakeFirst();
  return left ? 'active' : 'unknown';
}

/**
 * The private JWKs, the active key first (oidc-provider signs with the first matching
 * key), and the key set (signingKeySet) from the same read: a provider is built from both.
 * A retired key this server's key cannot open is left out of the JWKs (`onUnreadable` is
 * told): it only verified older tokens, and one bad row once took the tenant's whole JWKS
 * down. The active key that signs is needed, so it is never left out.
 */
export async function loadSigningKeys(db: Kysely<Database>, secrets: SecretBox, tenantId: string, onUnreadable?: (kid: string) => void): Promise<{ jwks: Array<Record<string, unknown>>; keySet: string }> {
  const rows = (await listSigningKeys(db, tenantId)).sort(signingOrder);
  const jwks = rows.flatMap((row, i) => {
    try {
      return [JSON.parse(secrets.open(row.private_jwk)) as Record<string, unknown>];
    } catch (err) {
      if (i === 0 && row.status === 'active') throw err;
      onUnreadable?.(row.kid);
      return [];
    }
  });
  return { jwks, keySet: keySetOf(rows) };
}

/** How often, at most, a running server looks for a key rotated elsewhere (oidc/registry.ts). */
export const KEY_CHECK_SECONDS = 10;
