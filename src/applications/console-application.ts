// The admin console's own OIDC client: a built-in system application in every tenant
// ("Gatehouse Console"), so administrators sign in to the console through Gatehouse itself
// (authorization code + PKCE, the tenant's login pages, its authentication sequence).
//
// Its client id is fixed (registered clients always get a random one, so the id cannot be
// taken) and marks it as the system application. What makes it safe is fixed too and
// restored at every start: a public client (no secret to leak) with PKCE, the code grant
// only, one callback on the tenant's own base URL (so a code never goes elsewhere), and
// the admin scopes, which the provider grants to administrators only. An administrator
// may change its description and its authentication sequence (e.g. to require TOTP for
// the console); nothing else, and it cannot be deleted.
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { forbidden } from '../errors.js';
import { newId } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { ADMIN_SCOPES } from '../access/admin-scopes.js';
import { recordAudit } from '../audit/audit.service.js';
import { toAuditValue } from '../audit/audit-event.js';
import { findApplicationByClientId, insertApplication, updateApplication, type ApplicationRow } from './application.repository.js';
import { forgetApplications } from './application-cache.js';
import { DEFAULT_SEQUENCE, type Application, type OidcConfig } from './application.js';
import type { ApplicationInput } from './application.service.js';

export const CONSOLE_CLIENT_ID = 'gatehouse-console';
export const CONSOLE_NAME = 'Gatehouse Console';
/** Used when a tenant already has an application of its own called "Gatehouse Console". */
const FALLBACK_NAME = 'Gatehouse Console (system)';

export const isSystemApplication = (app: Pick<Application, 'clientId'>): boolean => app.clientId === CONSOLE_CLIENT_ID;

/** Where the console's sign-in comes back to: the console's own page on the tenant's base URL. */
export const consoleCallbackUrl = (tenant: Tenant): string => `${tenant.baseUrl}/console/callback`;

function consoleOidc(tenant: Tenant): OidcConfig {
  return {
    grantTypes: ['authorization_code'],
    callbackURLs: [consoleCallbackUrl(tenant)],
    publicClient: true,
    pkce: { mandatory: true, supportPlainTransformAlgorithm: false },
    tokenEndpointAuthMethod: 'none',
  };
}

const systemActor = { kind: 'system' as const, id: 'gatehouse' };

/**
 * Creates the tenant's console application, or puts back its fixed settings (a changed
 * base_url moves the callback; a new admin scope in a later version is added). Idempotent;
 * safe when two nodes start at once. `audit`: record what it had to repair (at start-up);
 * off while a tenant is being created, where the application is part of the new tenant.
 */
export async function ensureConsoleApplication(deps: Deps, tenant: Tenant, options: { audit: boolean }): Promise<void> {
  const db = deps.store.db;
  const oidc = JSON.stringify(consoleOidc(tenant));
  const scopes = JSON.stringify(ADMIN_SCOPES);
  const now = epochSeconds(deps.clock);
  const existing = await findApplicationByClientId(db, tenant.id, CONSOLE_CLIENT_ID);
  if (existing) {
    if (existing.oidc === oidc && existing.management_scopes === scopes && existing.client_secret === null) return;
    await updateApplication(db, tenant.id, existing.id, { oidc, management_scopes: scopes, client_secret: null, updated_at: now });
    forgetApplications(deps.store, tenant.id);
    if (options.audit) await recordAudit(deps, {
      tenantId: tenant.id, type: 'application_updated', actor: systemActor, clientId: CONSOLE_CLIENT_ID,
      details: { applicationId: existing.id, systemApplication: true, restored: ['inboundProtocolConfiguration', 'managementScopes'] },
    });
    return;
  }
  for (const name of [CONSOLE_NAME, FALLBACK_NAME]) {
    const row: ApplicationRow = {
      tenant_id: tenant.id,
      id: newId(),
      name,
      description: 'The administration console of this organization (system application).',
      client_id: CONSOLE_CLIENT_ID,
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
      if (await findApplicationByClientId(db, tenant.id, CONSOLE_CLIENT_ID)) return;
      continue;
    }
    forgetApplications(deps.store, tenant.id);
    if (options.audit) await recordAudit(deps, {
      tenantId: tenant.id, type: 'application_created', actor: systemActor, clientId: CONSOLE_CLIENT_ID,
      details: { applicationId: row.id, systemApplication: true, after: { name, oidc: toAuditValue(JSON.parse(oidc)), managementScopes: [...ADMIN_SCOPES] } },
    });
    return;
  }
  throw new Error(`could not create the console application of tenant ${tenant.domain}: both "${CONSOLE_NAME}" and "${FALLBACK_NAME}" are taken`);
}

const REFUSED = `"${CONSOLE_NAME}" is a system application`;

/** The console application keeps everything but its description and authentication sequence. */
export function refuseUnsafeSystemChange(app: Application, input: ApplicationInput): void {
  if (!isSystemApplication(app)) return;
  if (input.name !== undefined && input.name !== app.name) throw forbidden(`${REFUSED}: its name cannot change`);
  if ((input as { inboundProtocolConfiguration?: unknown }).inboundProtocolConfiguration !== undefined) {
    throw forbidden(`${REFUSED}: its OAuth/OpenID Connect settings are fixed (public client, PKCE, callback on this server)`);
  }
  if (input.managementScopes !== undefined) throw forbidden(`${REFUSED}: its management scopes are fixed`);
}

export function refuseSystemDelete(app: Application): void {
  if (isSystemApplication(app)) throw forbidden(`${REFUSED}: it cannot be deleted (the console signs administrators in with it)`);
}
