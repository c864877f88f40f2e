// First start: the default tenant and the super administrator. Idempotent.
import type { Deps } from '../deps.js';
import { ADMIN_ROLE } from '../users/user.js';
import { createUser } from '../users/user.service.js';
import { findUserByUsername } from '../users/user.repository.js';
import { generatePassword } from '../users/password.js';
import { allTenants, createTenant, resolveTenant } from './tenant.service.js';
import { ensureSystemApplications } from '../applications/system-applications.js';
import { DEFAULT_TENANT, type Tenant } from './tenant.js';
import { AppError } from '../errors.js';

export interface BootstrapResult {
  tenant: Tenant;
  firstStart: boolean;
  /** Set only when the password was generated here: print it once. */
  generatedPassword?: string;
  adminUsername?: string;
  adminSource?: string;
}

export async function bootstrap(deps: Deps): Promise<BootstrapResult> {
  const existing = await resolveTenant(deps, DEFAULT_TENANT);
  if (existing) {
    // Tenants made before the console or My Account existed get their applications; the
    // others get their fixed settings back (a changed base_url moves their callbacks).
    for (const tenant of await allTenants(deps)) await ensureSystemApplications(deps, tenant, { audit: true });
    return { tenant: existing, firstStart: false };
  }
  let tenant: Tenant;
  try {
    tenant = await createTenant(deps, DEFAULT_TENANT, 'Gatehouse');
  } catch (err) {
    // Another node (or a CLI command) starting on the same empty store created it first:
    // it also creates the administrator, so this is an ordinary start.
    const other = err instanceof AppError && err.status === 409 ? await resolveTenant(deps, DEFAULT_TENANT) : undefined;
    if (!other) throw err;
    return { tenant: other, firstStart: false };
  }
  const admin = deps.config.super_admin;
  if (!admin.create_admin_account) return { tenant, firstStart: true };
  if (await findUserByUsername(deps.store.db, tenant.id, admin.username)) return { tenant, firstStart: true };
  const generated = admin.password ? undefined : generatePassword();
  await createUser(deps, tenant.id, {
    username: admin.username,
    password: admin.password || generated,
    claims: {},
    roles: [ADMIN_ROLE],
  });
  return {
    tenant,
    firstStart: true,
    generatedPassword: generated,
    adminUsername: admin.username,
    adminSource: generated ? 'generated (shown once)' : 'from GATEHOUSE_ADMIN_PASSWORD / [super_admin] password',
  };
}
