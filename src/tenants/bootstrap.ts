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
    // Another node (or a CLI command) starting on the same empty store created it first.
    // It creates the administrator next: wait for that (bounded), so this start does not
    // report success on a store that has none if the other one dies before it.
    const other = err instanceof AppError && err.status === 409 ? await resolveTenant(deps, DEFAULT_TENANT) : undefined;
    if (!other) throw err;
    if (await adminAppears(deps, other.id)) return { tenant: other, firstStart: false };
    tenant = other;
  }
  const admin = deps.config.super_admin;
  if (!admin.create_admin_account) return { tenant, firstStart: true };
  if (await findUserByUsername(deps.store.db, tenant.id, admin.username)) return { tenant, firstStart: true };
  const generated = admin.password ? undefined : generatePassword();
  try {
    await createUser(deps, tenant.id, {
      username: admin.username,
      password: admin.password || generated,
      claims: {},
      roles: [ADMIN_ROLE],
    });
  } catch (err) {
    // Made meanwhile by the other process of a simultaneous first start: its password stands.
    if (err instanceof AppError && err.status === 409) return { tenant, firstStart: false };
    throw err;
  }
  return {
    tenant,
    firstStart: true,
    generatedPassword: generated,
    adminUsername: admin.username,
    adminSource: generated ? 'generated (shown once)' : 'from GATEHOUSE_ADMIN_PASSWORD / [super_admin] password',
  };
}

const ADMIN_WAIT_MS = 10_000;

/** True once the configured administrator exists (or none is to be created), within ADMIN_WAIT_MS. */
async function adminAppears(deps: Deps, tenantId: string): Promise<boolean> {
  const admin = deps.config.super_admin;
  if (!admin.create_admin_account) return true;
  for (const deadline = Date.now() + ADMIN_WAIT_MS; Date.now() < deadline;) {
    if (await findUserByUsername(deps.store.db, tenantId, admin.username)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
