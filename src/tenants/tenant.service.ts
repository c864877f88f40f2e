// Creating tenants (with their keys and owner) and resolving them by domain.
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { newId } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { checkUserInput, createUser } from '../users/user.service.js';
import { ADMIN_ROLE, type User } from '../users/user.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { findTenantByDomain, findTenantById, insertSigningKey, insertTenant, listTenants } from './tenant.repository.js';
import { newSigningKeyRow } from './signing-keys.js';
import { ensureSystemApplications } from '../applications/system-applications.js';
import { toTenant, TENANT_DOMAIN, type Tenant } from './tenant.js';

export interface OwnerInput {
  username: string;
  password: string;
  email?: string;
  firstname?: string;
  lastname?: string;
}

export async function createTenant(deps: Deps, domain: string, displayName: string): Promise<Tenant> {
  if (!TENANT_DOMAIN.test(domain)) throw badRequest('domain must be a lower-case DNS-style name like "acme.com" (3 to 253 characters)');
  const now = epochSeconds(deps.clock);
  const row = {
    id: newId(),
    domain,
    display_name: displayName,
    cookie_keys: deps.secrets.seal(JSON.stringify([randomBytes(32).toString('base64url')])),
    created_at: now,
  };
  // The tenant and its first signing key in one transaction: another node that resolved
  // the tenant between two separate inserts built a provider without keys and kept it.
  const key = newSigningKeyRow(deps.secrets, row.id, now);
  try {
    await deps.store.db.transaction().execute(async (trx) => {
      await insertTenant(trx, row);
      await insertSigningKey(trx, key);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`tenant ${domain} already exists`);
    throw err;
  }
  const tenant = toTenant(row, deps.config.server.base_url);
  await ensureSystemApplications(deps, tenant, { audit: false });
  return tenant;
}

export async function createTenantWithOwner(deps: Deps, domain: string, owner: OwnerInput): Promise<{ tenant: Tenant; owner: User }> {
  const ownerInput = {
    username: owner.username,
    password: owner.password,
    claims: { email: owner.email, given_name: owner.firstname, family_name: owner.lastname },
    roles: [ADMIN_ROLE],
  };
  // Checked before the tenant exists: a tenant created and undone again was resolved (and
  // cached) meanwhile by other nodes.
  checkUserInput(ownerInput);
  const tenant = await createTenant(deps, domain, domain);
  try {
    const user = await createUser(deps, tenant.id, ownerInput);
    return { tenant, owner: user };
  } catch (err) {
    // A tenant without its owner is useless: undo it.
    await deps.store.db.deleteFrom('tenant').where('id', '=', tenant.id).execute();
    throw err;
  }
}

export async function resolveTenant(deps: Deps, domain: string): Promise<Tenant | undefined> {
  const row = await findTenantByDomain(deps.store.db, domain);
  return row ? toTenant(row, deps.config.server.base_url) : undefined;
}

export async function tenantById(deps: Deps, id: string): Promise<Tenant | undefined> {
  const row = await findTenantById(deps.store.db, id);
  return row ? toTenant(row, deps.config.server.base_url) : undefined;
}

export async function requireTenant(deps: Deps, domain: string): Promise<Tenant> {
  const tenant = await resolveTenant(deps, domain);
  if (!tenant) throw notFound(`tenant ${domain} not found`);
  return tenant;
}

export async function allTenants(deps: Deps): Promise<Tenant[]> {
  return (await listTenants(deps.store.db)).map((row) => toTenant(row, deps.config.server.base_url));
}

export async function tenantCookieKeys(deps: Deps, tenantId: string): Promise<string[]> {
  const row = await deps.store.db.selectFrom('tenant').select('cookie_keys').where('id', '=', tenantId).executeTakeFirstOrThrow();
  return JSON.parse(deps.secrets.open(row.cookie_keys)) as string[];
}
