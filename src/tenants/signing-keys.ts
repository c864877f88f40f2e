// Per-tenant signing keys: generated on tenant creation, sealed at rest, published in
// the tenant's JWKS. Rotation adds a new active key and keeps the old ones published.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { insertSigningKey, listSigningKeys } from './tenant.repository.js';

/** A new RS256 key as its row (sealed), to be inserted as the tenant's active key. */
export function newSigningKeyRow(secrets: SecretBox, tenantId: string, now: number) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { tenant_id: tenantId, kid, alg: 'RS256', private_jwk: secrets.seal(JSON.stringify(jwk)), status: 'active' as const, created_at: now };
}

/** Rotation: a new active key; the previous one is retired (still published). */
export async function createSigningKey(db: Kysely<Database>, secrets: SecretBox, tenantId: string, now: number): Promise<string> {
  const row = newSigningKeyRow(secrets, tenantId, now);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('signing_key').set({ status: 'retired' }).where('tenant_id', '=', tenantId).where('status', '=', 'active').execute();
    await insertSigningKey(trx, row);
  });
  return row.kid;
}

/**
 * Private JWKs, the active key first (oidc-provider signs with the first matching key). A
 * retired key this server's key cannot open is left out (`onUnreadable` is told): it only
 * verified older tokens, and one bad row once took the tenant's whole JWKS down. The
 * active key is needed to sign, so it is never left out.
 */
export async function loadSigningJwks(db: Kysely<Database>, secrets: SecretBox, tenantId: string, onUnreadable?: (kid: string) => void): Promise<Array<Record<string, unknown>>> {
  const rows = await listSigningKeys(db, tenantId);
  rows.sort((a, b) => (a.status === 'active' ? -1 : 0) - (b.status === 'active' ? -1 : 0));
  return rows.flatMap((row) => {
    try {
      return [JSON.parse(secrets.open(row.private_jwk)) as Record<string, unknown>];
    } catch (err) {
      if (row.status === 'active') throw err;
      onUnreadable?.(row.kid);
      return [];
    }
  });
}

/** How often, at most, a running server looks for a key rotated elsewhere (oidc/registry.ts). */
export const KEY_CHECK_SECONDS = 10;
