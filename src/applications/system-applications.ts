// The server's own OIDC clients, built-in system applications in every tenant:
// - "Gatehouse Console" (gatehouse-console): administrators sign in to the console at
//   /console through Gatehouse itself, and get the admin scopes;
// - "My Account" (gatehouse-myaccount): every user signs in to /myaccount to change their
//   password and manage their authenticator app, with internal_login (WSO2's My Account).
// Both sign in like any application (authorization code + PKCE, the tenant's login pages,
// its authentication sequence).
//
// Their client ids are fixed (registered clients always get a random one, so an id cannot
// be taken) and mark them as system applications. What makes them safe is fixed too and
// restored at every start: a public client (no secret to leak) with PKCE, the code grant
// only, one callback on the tenant's own base URL (so a code never goes elsewhere), and
// their scopes. An administrator may change their description and authentication sequence
// (e.g. to require TOTP for the console); nothing else, and they cannot be deleted.
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { forbidden } from '../errors.js';
import { newId } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { ADMIN_SCOPES, SELF_SERVICE_SCOPE } from '../access/admin-scopes.js';
import { recordAudit } from '../audit/audit.service.js';
import { toAuditValue } from '../audit/audit-event.js';
import { findApplicationByClientId, insertApplication, updateApplication, type ApplicationRow } from './application.repository.js';
import { forgetApplications } from './application-cache.js';
import { DEFAULT_SEQUENCE, type Application, type OidcConfig } from './application.js';
import type { ApplicationInput } from './application.service.js';

export interface SystemApplication {
  clientId: string;
  name: string;
  /** Used when a tenant already has an application of its own with `name`. */
  fallbackName: string;
  description: string;
  /** The page below the tenant's base URL; its sign-in comes back to {page}/callback. */
  page: string;
  managementScopes: readonly string[];
  /** Why it cannot be deleted, for the refusal. */
  needed: string;
}

export const CONSOLE: SystemApplication = {
  clientId: 'gatehouse-console',
  name: 'Gatehouse Console',
  fallbackName: 'Gatehouse Console (system)',
  description: 'The administration console of this organization (system application).',
  page: '/console',
  managementScopes: ADMIN_SCOPES,
  needed: 'the console signs administrators in with it',
};

export const MY_ACCOUNT: SystemApplication = {
  clientId: 'gatehouse-myaccount',
  name: 'My Account',
  fallbackName: 'My Account (system)',
  description: 'Where the users of this organization change their password and set up two-step verification (system application).',
  page: '/myaccount',
  managementScopes: [SELF_SERVICE_SCOPE],
  needed: 'users sign in to My Account with it',
};

export const SYSTEM_APPLICATIONS: readonly SystemApplication[] = [CONSOLE, MY_ACCOUNT];

export const CONSOLE_CLIENT_ID = CONSOLE.clientId;
export const MY_ACCOUNT_CLIENT_ID = MY_ACCOUNT.clientId;
export const SYSTEM_CLIENT_IDS: readonly string[] = SYSTEM_APPLICATIONS.map((s) => s.clientId);

const systemOf = (app: Pick<Application, 'clientId'>): SystemApplication | undefined =>
  SYSTEM_APPLICATIONS.find((s) => s.clientId === app.clientId);

export const isSystemApplication = (app: Pick<Application, 'clientId'>): boolean => systemOf(app) !== undefined;

/** Where a system application's sign-in comes back to: its own page on the tenant's base URL. */
export const systemCallbackUrl = (system: SystemApplication, tenant: Tenant): string => `${tenant.baseUrl}${system.page}/callback`;

function systemOidc(system: SystemApplication, tenant: Tenant): OidcConfig {
  return {
    grantTypes: ['authorization_code'],
    callbackURLs: [systemCallbackUrl(system, tenant)],
    publicClient: true,
    pkce: { mandatory: true, supportPlainTransformAlgorithm: false },
    tokenEndpointAuthMethod: 'none',
  };
}

const systemActor = { kind: 'system' as const, id: 'gatehouse' };

/**
 * Creates the tenant's system applications, or puts back their fixed settings (a changed
 * base_url moves the callback; a new scope in a later version is added). Idempotent; safe
 * when two nodes start at once. `audit`: record what it had to repair (at start-up); off
 * while a tenant is being created, where the applications are part of the new tenant.
 */
export async function ensureSystemApplications(deps: Deps, tenant: Tenant, options: { audit: boolean }): Promise<void> {
  for (const system of SYSTEM_APPLICATIONS) await ensureSystemApplication(deps, tenant, system, options);
}

async function ensureSystemApplication(deps: Deps, tenant: Tenant, system: SystemApplication, options: { audit: boolean }): Promise<void> {
  const db = deps.store.db;
  const oidc = JSON.stringify(systemOidc(system, tenant));
  const scopes = JSON.stringify(system.managementScopes);
  const now = epochSeconds(deps.clock);
  const existing = await findApplicationByClientId(db, tenant.id, system.clientId);
  if (existing) {
    if (existing.oidc === oidc && existing.management_scopes === scopes && existing.client_secret === null) return;
    await updateApplication(db, tenant.id, existing.id, { oidc, management_scopes: scopes, client_secret: null, updated_at: now });
    forgetApplications(deps.store, tenant.id);
    if (options.audit) await recordAudit(deps, {
      tenantId: tenant.id, type: 'application_updated', actor: systemActor, clientId: system.clientId,
      details: { applicationId: existing.id, systemApplication: true, restored: ['inboundProtocolConfiguration', 'managementScopes'] },
    });
    return;
  }
  // A third name for a tenant that has both already: an upgrade must not stop at start-up.
  for (const name of [system.name, system.fallbackName, `${system.name} (${system.clientId})`]) {
    const row: ApplicationRow = {
      tenant_id: tenant.id,
      id: newId(),
      name,
      description: system.description,
      client_id: system.clientId,
      client_secret: null,
      oidc,
      auth_sequence: JSON.stringify(DEFAULT_SEQUENCE),
      management_scopes: scopes,
      created_at: now,
      updated_at: now,
    };
    try {
      await insertApplication(db, row);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another node created it meanwhile, or the name is taken by the tenant's own application.
      if (await findApplicationByClientId(db, tenant.id, system.clientId)) return;
      continue;
    }
    forgetApplications(deps.store, tenant.id);
    if (options.audit) await recordAudit(deps, {
      tenantId: tenant.id, type: 'application_created', actor: systemActor, clientId: system.clientId,
      details: { applicationId: row.id, systemApplication: true, after: { name, oidc: toAuditValue(JSON.parse(oidc)), managementScopes: [...system.managementScopes] } },
    });
    return;
  }
  throw new Error(`could not create the system application ${system.clientId} of tenant ${tenant.domain}: "${system.name}", "${system.fallbackName}" and "${system.name} (${system.clientId})" are all taken by the tenant's own applications; rename one`);
}

const refused = (system: SystemApplication) => `"${system.name}" is a system application`;

/** A system application keeps everything but its description and authentication sequence. */
export function refuseUnsafeSystemChange(app: Application, input: ApplicationInput): void {
  const system = systemOf(app);
  if (!system) return;
  if (input.name !== undefined && input.name !== app.name) throw forbidden(`${refused(system)}: its name cannot change`);
  if ((input as { inboundProtocolConfiguration?: unknown }).inboundProtocolConfiguration !== undefined) {
    throw forbidden(`${refused(system)}: its OAuth/OpenID Connect settings are fixed (public client, PKCE, callback on this server)`);
  }
  if (input.managementScopes !== undefined) throw forbidden(`${refused(system)}: its management scopes are fixed`);
}

export function refuseSystemDelete(app: Application): void {
  const system = systemOf(app);
  if (system) throw forbidden(`${refused(system)}: it cannot be deleted (${system.needed})`);
}
