// Turns the Authorization header into a Caller: HTTP Basic with an administrator's
// credentials (rate-limited and lockable like the login page), or a bearer token from
// this tenant's provider whose admin scopes were granted to a management application.
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import type { ProviderRegistry } from '../oidc/registry.js';
import { tooManyRequests, unauthorized } from '../errors.js';
import { findUserByUsername, findUserById } from '../users/user.repository.js';
import { toUser, isAdmin } from '../users/user.js';
import { verifyPassword } from '../users/password.js';
import { findApplicationByClientId } from '../applications/application.repository.js';
import { attemptFailed, recordSuccess, reserveAttempt } from '../authn/regulation.js';
import { resolveTenant } from '../tenants/tenant.service.js';
import { DEFAULT_TENANT, type Tenant } from '../tenants/tenant.js';
import { ADMIN_SCOPES, MANAGEMENT_SCOPES } from './admin-scopes.js';
import type { Caller } from './caller.js';
import type { IpLimiter } from './ip-limiter.js';

const TENANT_SCOPES = new Set(['internal_tenant_view', 'internal_tenant_create']);
const PASSWORD_FACTOR = 'BasicAuthenticator';

export async function authenticateCaller(deps: Deps, providers: ProviderRegistry, limiter: IpLimiter, request: FastifyRequest): Promise<Caller | null> {
  const header = request.headers.authorization;
  if (!header || !request.tenant) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'basic') return basic(deps, limiter, request, request.tenant, value);
  if (scheme?.toLowerCase() === 'bearer') return bearer(deps, providers, request.tenant, value.trim());
  throw unauthorized('unsupported Authorization scheme: use Basic or Bearer');
}

async function basic(deps: Deps, limiter: IpLimiter, request: FastifyRequest, tenant: Tenant, value: string): Promise<Caller> {
  if (!deps.config.admin_api.allow_basic_auth) throw unauthorized('HTTP Basic is turned off on this server ([admin_api] allow_basic_auth): use a bearer token');
  if (!await limiter.take(request.ip)) throw tooManyRequests('too many failed sign-in attempts from this address: wait a minute and try again');
  // Judged wrong (or a disabled account): the attempt keeps counting against the address.
  // Right credentials, or a failure before they were judged (the store down), hand it back.
  let judgedWrong = false;
  try {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    let username = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    // WSO2 style "user@tenant.domain" names the credentials' tenant explicitly.
    // A username that exists in this tenant as typed wins (email-style usernames).
    let home = tenant;
    let row = username ? await findUserByUsername(deps.store.db, home.id, username) : undefined;
    const at = username.lastIndexOf('@');
    if (!row && at > 0) {
      const named = await resolveTenant(deps, username.slice(at + 1));
      if (named) {
        home = named;
        username = username.slice(0, at);
        row = await findUserByUsername(deps.store.db, home.id, username);
      }
    }
    const user = row ? toUser(row) : undefined;
    // Counted before the password is judged, so a burst of concurrent guesses gets no more
    // judged than the lock allows; a locked account is judged anyway (same time) and refused.
    const attempt = user ? await reserveAttempt(deps, home.id, user.id, PASSWORD_FACTOR) : undefined;
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok || !attempt?.allowed) {
      judgedWrong = true;
      if (user && attempt?.allowed) await attemptFailed(deps, home.id, user.id, PASSWORD_FACTOR, attempt);
      throw unauthorized('invalid credentials');
    }
    await recordSuccess(deps, home.id, user.id, PASSWORD_FACTOR);
    // Said only after the right password, as on the login page; still a counted attempt.
    if (!user.active) {
      judgedWrong = true;
      throw unauthorized('this account is disabled');
    }
    const admin = isAdmin(user);
    const superAdmin = admin && home.domain === DEFAULT_TENANT;
    const scopes = admin ? ADMIN_SCOPES.filter((s) => !TENANT_SCOPES.has(s) || superAdmin) : [];
    return { kind: 'user', tenantId: home.id, subject: user.id, username: user.username, scopes: new Set(scopes), superAdmin };
  } finally {
    if (!judgedWrong) await limiter.refund(request.ip);
  }
}

async function bearer(deps: Deps, providers: ProviderRegistry, tenant: Tenant, token: string): Promise<Caller> {
  if (!token) throw unauthorized('empty bearer token');
  const provider = await providers.get(tenant);
  const accessToken = await provider.AccessToken.find(token).catch(() => undefined);
  const clientToken = accessToken ? undefined : await provider.ClientCredentials.find(token).catch(() => undefined);
  const found = accessToken ?? clientToken;
  if (!found || found.isExpired) throw unauthorized('the bearer token is invalid or expired');
  const app = await findApplicationByClientId(deps.store.db, tenant.id, String(found.clientId));
  const granted = String(found.scope ?? '').split(' ');
  // Scopes are rechecked now: an application that is no longer a management app, or a
  // user who lost the admin role, loses them at once.
  const managementScopes = new Set(app ? (JSON.parse(app.management_scopes) as string[]) : []);
  let scopes = granted.filter((s) => MANAGEMENT_SCOPES.includes(s) && managementScopes.has(s));
  if (accessToken) {
    const row = await findUserById(deps.store.db, tenant.id, String(accessToken.accountId));
    const user = row ? toUser(row) : undefined;
    if (!user) throw unauthorized('the bearer token\'s user no longer exists');
    if (!user.active) throw unauthorized('the bearer token\'s user is disabled');
    const admin = isAdmin(user);
    const superAdmin = admin && tenant.domain === DEFAULT_TENANT;
    // internal_login (self-service) is for any user; the admin scopes only for admins.
    if (!admin) scopes = scopes.filter((s) => !ADMIN_SCOPES.includes(s));
    if (!superAdmin) scopes = scopes.filter((s) => !TENANT_SCOPES.has(s));
    // Stored with the token when it was issued (provider.ts extraTokenClaims).
    const extra = (accessToken.extra ?? {}) as { amr?: unknown; auth_time?: unknown; otp_at?: unknown };
    const amr = Array.isArray(extra.amr) ? extra.amr.filter((v): v is string => typeof v === 'string') : [];
    const authTime = typeof extra.auth_time === 'number' ? extra.auth_time : undefined;
    const otpAt = typeof extra.otp_at === 'number' ? extra.otp_at : undefined;
    const sessionUid = typeof accessToken.sessionUid === 'string' ? accessToken.sessionUid : undefined;
    const grantId = typeof accessToken.grantId === 'string' ? accessToken.grantId : undefined;
    return { kind: 'user', tenantId: tenant.id, subject: user.id, username: user.username, scopes: new Set(scopes), superAdmin, amr, authTime, otpAt, sessionUid, grantId };
  }
  const superApp = tenant.domain === DEFAULT_TENANT;
  if (!superApp) scopes = scopes.filter((s) => !TENANT_SCOPES.has(s));
  return { kind: 'application', tenantId: tenant.id, subject: String(found.clientId), scopes: new Set(scopes), superAdmin: superApp && scopes.some((s) => TENANT_SCOPES.has(s)) };
}
