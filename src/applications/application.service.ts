// Registering and changing service providers. The admin routes and the CLI call these.
import { isIP } from 'node:net';
import type { Deps } from '../deps.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { newId, randomToken } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { MANAGEMENT_SCOPES } from '../access/admin-scopes.js';
import {
  findApplicationById, insertApplication, updateApplication, deleteApplication, type ApplicationRow,
} from './application.repository.js';
import { toApplication, GRANT_TYPES, type Application, type OidcConfig, type GrantType } from './application.js';
import { parseSequence } from './sequence.js';
import { forgetApplications } from './application-cache.js';
import { findAuthenticator } from '../authn/registry.js';
import { refuseSystemDelete, refuseUnsafeSystemChange } from './system-applications.js';
import { isInternalAddress } from '../notifications/host-check.js';

function isEnabled(deps: Deps, name: string): boolean {
  const authenticator = findAuthenticator(name);
  return authenticator?.enabled?.(deps.config) ?? true;
}

export interface ApplicationInput {
  name?: unknown;
  description?: unknown;
  inboundProtocolConfiguration?: { oidc?: unknown } | unknown;
  authenticationSequence?: unknown;
  managementScopes?: unknown;
}

function parseName(value: unknown): string {
  if (typeof value !== 'string' || !value.trim() || value.length > 255) throw badRequest('name is required (1 to 255 characters)');
  return value.trim();
}

/** Plain http is allowed only to the machine the browser or server runs on. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

function parseCallbackUrl(value: unknown, index: number): string {
  if (typeof value !== 'string') throw badRequest(`callbackURLs[${index}] must be a string`);
  let url: URL;
  try { url = new URL(value); } catch { throw badRequest(`callbackURLs[${index}] "${value}" is not an absolute URL`); }
  if (url.hash) throw badRequest(`callbackURLs[${index}] must not contain a fragment`);
  if (!['https:', 'http:'].includes(url.protocol) && !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) {
    throw badRequest(`callbackURLs[${index}] must be https (http only for localhost) or a private-use scheme like com.example.app:`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.includes(url.hostname)) {
    throw badRequest(`callbackURLs[${index}] must use https (plain http is allowed only for localhost)`);
  }
  return value;
}

/**
 * `logout.backChannelLogoutUrl` (WSO2's name): absolute, no fragment (Back-Channel Logout
 * 1.0 §2.2), no credentials (fetch refuses them), nothing to trim, https except on
 * localhost as for callbacks. null or "" removes it; a missing `logout` keeps the current
 * one. Internal hosts are checked with the server's config (backChannelHostAllowed).
 */
function parseBackChannelLogoutUrl(input: unknown, current: string | undefined): string | undefined {
  if (input === undefined) return current;
  if (input === null) return undefined;
  if (typeof input !== 'object' || Array.isArray(input)) throw badRequest('oidc.logout must be an object such as {"backChannelLogoutUrl": "https://app.example.com/logout"}');
  const value = (input as { backChannelLogoutUrl?: unknown }).backChannelLogoutUrl;
  if (value === undefined) return current;
  if (value === null || value === '') return undefined;
  const what = 'oidc.logout.backChannelLogoutUrl';
  if (typeof value !== 'string' || value.length > 2048) throw badRequest(`${what} must be a URL of at most 2048 characters`);
  if (/[\s\x00-\x1f\x7f]/.test(value)) throw badRequest(`${what} must not contain spaces or control characters`);
  let url: URL;
  try { url = new URL(value); } catch { throw badRequest(`${what} "${value}" is not an absolute URL`); }
  if (value.includes('#')) throw badRequest(`${what} must not contain a fragment`);
  if (url.username || url.password) throw badRequest(`${what} must not contain a user name or password`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname))) {
    throw badRequest(`${what} must use https (plain http is allowed only for localhost)`);
  }
  return value;
}

/**
 * Gatehouse POSTs to a back-channel logout URL from inside the network: unless the operator
 * allows it, a tenant's administrator must not aim it at internal services (as for a
 * tenant's SMTP host). Names are checked again when sent (oidc-provider refuses internal
 * addresses a name resolves to); here literal addresses and localhost are refused at once.
 */
function checkBackChannelHost(deps: Deps, oidc: OidcConfig): void {
  if (!oidc.backChannelLogoutUrl || deps.config.oauth.backchannel_logout_allow_private_hosts) return;
  const host = new URL(oidc.backChannelLogoutUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const local = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isInternalAddress(host));
  if (local) {
    throw badRequest(`oidc.logout.backChannelLogoutUrl points at an internal address (${host}); the server's operator allows that with [oauth] backchannel_logout_allow_private_hosts = true`);
  }
}

export function parseOidc(input: unknown, current?: OidcConfig): OidcConfig {
  if (input === undefined) {
    return current ?? { grantTypes: ['authorization_code', 'refresh_token'], callbackURLs: [], publicClient: false, pkce: { mandatory: false, supportPlainTransformAlgorithm: false }, tokenEndpointAuthMethod: 'client_secret_basic' };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('inboundProtocolConfiguration.oidc must be an object');
  const raw = input as Record<string, unknown>;
  const base = parseOidc(undefined, current);
  const grantTypes = raw.grantTypes ?? base.grantTypes;
  if (!Array.isArray(grantTypes) || grantTypes.length === 0) throw badRequest('oidc.grantTypes must list at least one grant type');
  for (const g of grantTypes) {
    if (!GRANT_TYPES.includes(g as GrantType)) throw badRequest(`oidc.grantTypes: "${String(g)}" is not supported (use ${GRANT_TYPES.join(', ')})`);
  }
  const callbackURLs = raw.callbackURLs ?? base.callbackURLs;
  if (!Array.isArray(callbackURLs)) throw badRequest('oidc.callbackURLs must be a list of URLs');
  const publicClient = raw.publicClient ?? base.publicClient;
  if (typeof publicClient !== 'boolean') throw badRequest('oidc.publicClient must be true or false');
  const pkceRaw = (raw.pkce ?? base.pkce) as Record<string, unknown>;
  if (typeof pkceRaw !== 'object' || pkceRaw === null || typeof (pkceRaw.mandatory ?? false) !== 'boolean') throw badRequest('oidc.pkce.mandatory must be true or false');
  if (pkceRaw.supportPlainTransformAlgorithm === true) throw badRequest('oidc.pkce.supportPlainTransformAlgorithm is not supported: only S256 is accepted');
  const grants = [...new Set(grantTypes as GrantType[])];
  if (grants.includes('authorization_code') && callbackURLs.length === 0) throw badRequest('oidc.callbackURLs must list at least one URL for the authorization_code grant');
  if (publicClient && grants.includes('client_credentials')) throw badRequest('a public client cannot use the client_credentials grant');
  const authRaw = (raw.clientAuthentication as Record<string, unknown> | undefined)?.tokenEndpointAuthMethod;
  const method = publicClient ? 'none' : (authRaw ?? (base.tokenEndpointAuthMethod === 'none' ? 'client_secret_basic' : base.tokenEndpointAuthMethod));
  if (method !== 'none' && method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw badRequest('oidc.clientAuthentication.tokenEndpointAuthMethod must be client_secret_basic or client_secret_post');
  }
  const backChannelLogoutUrl = parseBackChannelLogoutUrl(raw.logout, base.backChannelLogoutUrl);
  return {
    grantTypes: grants,
    callbackURLs: [...new Set(callbackURLs.map(parseCallbackUrl))],
    publicClient,
    pkce: { mandatory: publicClient || pkceRaw.mandatory === true, supportPlainTransformAlgorithm: false },
    tokenEndpointAuthMethod: method,
    ...(backChannelLogoutUrl ? { backChannelLogoutUrl } : {}),
  };
}

function parseManagementScopes(value: unknown, current: string[] = []): string[] {
  if (value === undefined) return current;
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw badRequest('managementScopes must be a list of scope names');
  for (const scope of value) {
    if (!MANAGEMENT_SCOPES.includes(scope)) throw badRequest(`managementScopes: "${scope}" is not an admin scope nor internal_login (known: ${MANAGEMENT_SCOPES.join(', ')})`);
  }
  return [...new Set(value as string[])];
}

const oidcOf = (input: ApplicationInput): unknown =>
  (input.inboundProtocolConfiguration as { oidc?: unknown } | undefined)?.oidc;

export async function registerApplication(deps: Deps, tenantId: string, input: ApplicationInput): Promise<Application> {
  if (typeof input !== 'object' || input === null) throw badRequest('the body must be a JSON object');
  const name = parseName(input.name);
  if (input.description !== undefined && typeof input.description !== 'string') throw badRequest('description must be a string');
  const oidc = parseOidc(oidcOf(input));
  checkBackChannelHost(deps, oidc);
  const now = epochSeconds(deps.clock);
  const row: ApplicationRow = {
    tenant_id: tenantId,
    id: newId(),
    name,
    description: (input.description as string | undefined) ?? '',
    client_id: randomToken(18),
    client_secret: oidc.publicClient ? null : deps.secrets.seal(randomToken(32)),
    oidc: JSON.stringify(oidc),
    auth_sequence: JSON.stringify(parseSequence(input.authenticationSequence, (name) => isEnabled(deps, name))),
    management_scopes: JSON.stringify(parseManagementScopes(input.managementScopes)),
    created_at: now,
    updated_at: now,
  };
  try {
    await insertApplication(deps.store.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`an application named "${name}" already exists`);
    throw err;
  }
  return toApplication(row, deps.secrets);
}

export async function getApplication(deps: Deps, tenantId: string, id: string): Promise<Application> {
  const row = await findApplicationById(deps.store.db, tenantId, id);
  if (!row) throw notFound(`application ${id} not found`);
  return toApplication(row, deps.secrets);
}

export async function patchApplication(deps: Deps, tenantId: string, id: string, input: ApplicationInput): Promise<Application> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('the body must be a JSON object');
  const current = await getApplication(deps, tenantId, id);
  refuseUnsafeSystemChange(current, input);
  const values: Partial<ApplicationRow> = { updated_at: epochSeconds(deps.clock) };
  if (input.name !== undefined) values.name = parseName(input.name);
  if (input.description !== undefined) {
    if (typeof input.description !== 'string') throw badRequest('description must be a string');
    values.description = input.description;
  }
  if (oidcOf(input) !== undefined) {
    const oidc = parseOidc(oidcOf(input), current.oidc);
    if (oidc.backChannelLogoutUrl !== current.oidc.backChannelLogoutUrl) checkBackChannelHost(deps, oidc);
    values.oidc = JSON.stringify(oidc);
    if (oidc.publicClient) values.client_secret = null;
    else if (!current.clientSecret) values.client_secret = deps.secrets.seal(randomToken(32));
  }
  if (input.authenticationSequence !== undefined) values.auth_sequence = JSON.stringify(parseSequence(input.authenticationSequence, (name) => isEnabled(deps, name)));
  if (input.managementScopes !== undefined) values.management_scopes = JSON.stringify(parseManagementScopes(input.managementScopes));
  try {
    await updateApplication(deps.store.db, tenantId, id, values);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`an application named "${String(values.name)}" already exists`);
    throw err;
  } finally {
    forgetApplications(deps.store, tenantId);
  }
  return getApplication(deps, tenantId, id);
}

export async function removeApplication(deps: Deps, tenantId: string, id: string): Promise<void> {
  refuseSystemDelete(await getApplication(deps, tenantId, id));
  const result = await deleteApplication(deps.store.db, tenantId, id);
  forgetApplications(deps.store, tenantId);
  if (!result.numDeletedRows) throw notFound(`application ${id} not found`);
}

/** A new client secret; the old one stops working at once (tokens already issued stay valid). */
export async function regenerateClientSecret(deps: Deps, tenantId: string, id: string): Promise<Application> {
  const current = await getApplication(deps, tenantId, id);
  if (current.oidc.publicClient) throw badRequest('a public client has no client secret to regenerate');
  await updateApplication(deps.store.db, tenantId, id, { client_secret: deps.secrets.seal(randomToken(32)), updated_at: epochSeconds(deps.clock) });
  forgetApplications(deps.store, tenantId);
  return getApplication(deps, tenantId, id);
}
