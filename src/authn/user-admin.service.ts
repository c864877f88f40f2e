// What an administrator does to one user's sign-in: read the TOTP state, reset TOTP,
// unlock, sign out everywhere, disable or enable the account, set a new password. The admin API and the CLI both call these, so a reset or an
// unlock always revokes the user's sessions and tokens and is always logged with who did it.
import type { Deps } from '../deps.js';
import { badRequest, notFound, shown } from '../errors.js';
import { findUserById, findUserByUsername } from '../users/user.repository.js';
import { toUser, type User } from '../users/user.js';
import { signOutEverywhere } from '../oidc/sign-out-everywhere.js';
import { inputOf, patchUser } from '../users/user.service.js';
import { lockState, unlock } from './regulation.js';
import { basicAuthenticator } from './authenticators/basic/index.js';
import { findAuthenticator, listAuthenticators } from './registry.js';
import { TOTP_FACTOR, resetTotp, totpState, viewTotpState, type TotpStateView } from './authenticators/totp/totp.service.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditDetails, AuditEventType } from '../audit/audit-event.js';
import { remainingBackupCodes } from './authenticators/backup-code/backup-code.service.js';

/** Who acted, for the log: an admin-API caller or someone at the server's command line. */
export interface AdminActor {
  kind: 'user' | 'application' | 'cli';
  /** User id, client id, or the operating-system account for the CLI. */
  id: string;
  username?: string;
  /** Where an admin-API call came from (the audit log). */
  ip?: string;
  userAgent?: string;
}

export async function userById(deps: Deps, tenantId: string, userId: string): Promise<User> {
  const row = await findUserById(deps.store.db, tenantId, userId);
  // Another tenant's user is "not found" too: its existence is none of this tenant's business.
  if (!row) throw notFound(`user ${userId} not found`);
  return toUser(row);
}

export async function userByUsername(deps: Deps, tenantId: string, username: string, tenantDomain: string): Promise<User> {
  const row = await findUserByUsername(deps.store.db, tenantId, username);
  if (!row) throw notFound(`user "${username}" not found in tenant ${tenantDomain}`);
  return toUser(row);
}

export interface UserTotpStateView extends TotpStateView {
  userId: string;
  username: string;
  /** Unused backup codes: what the user has left if the phone is lost. */
  backupCodesRemaining: number;
}

export async function totpStateOf(deps: Deps, tenantId: string, user: User): Promise<UserTotpStateView> {
  const [state, backupCodesRemaining] = await Promise.all([totpState(deps, tenantId, user.id), remainingBackupCodes(deps, tenantId, user.id)]);
  return { userId: user.id, username: user.username, ...viewTotpState(state), backupCodesRemaining };
}

function logAction(deps: Deps, event: string, tenantId: string, actor: AdminActor, user: User, extra: Record<string, unknown>, message: string): void {
  deps.logger.info({
    event, tenantId,
    actor: { kind: actor.kind, id: actor.id, ...(actor.username ? { username: actor.username } : {}) },
    target: { userId: user.id, username: user.username },
    ...extra,
  }, message);
}

function auditAction(deps: Deps, type: AuditEventType, tenantId: string, actor: AdminActor, user: User, details: AuditDetails, factor?: string): Promise<void> {
  return recordAudit(deps, {
    tenantId, type,
    actor: { kind: actor.kind, id: actor.id, ...(actor.username ? { username: actor.username } : {}) },
    user: { id: user.id, username: user.username },
    origin: { ip: actor.ip, userAgent: actor.userAgent },
    ...(factor ? { factor } : {}),
    details,
  });
}

export interface ResetResult {
  userId: string;
  username: string;
  /** False when the user had no TOTP (the call still revokes sessions). */
  removed: boolean;
  /** Sessions, grants, codes and tokens deleted. */
  revoked: number;
}

/**
 * Forgets the user's TOTP and its failure count, so the next sign-in enrolls a device
 * (a locked TOTP step would otherwise block that enrollment), then ends every session.
 */
export async function adminResetTotp(deps: Deps, tenantId: string, user: User, actor: AdminActor): Promise<ResetResult> {
  const removed = await resetTotp(deps, tenantId, user.id);
  await unlock(deps, tenantId, user.id, TOTP_FACTOR);
  const revoked = await signOutEverywhere(deps, tenantId, user.id);
  logAction(deps, 'admin_totp_reset', tenantId, actor, user, { removed, revoked }, 'an administrator reset a user\'s TOTP');
  await auditAction(deps, 'totp_reset', tenantId, actor, user, { via: 'admin', removed, revoked }, TOTP_FACTOR);
  return { userId: user.id, username: user.username, removed, revoked };
}

/** The canonical factor name for `factor` (an authenticator name or alias), or a 400 naming the known ones. */
export function parseFactor(factor: unknown): string | undefined {
  if (factor === undefined || factor === null) return undefined;
  const known = listAuthenticators().map((a) => a.name);
  const found = typeof factor === 'string' ? findAuthenticator(factor) : undefined;
  if (!found) throw badRequest(`factor must be one of ${known.join(', ')} (or leave it out to unlock every factor), got ${shown(factor)}`);
  return found.name;
}

export interface UnlockResult {
  userId: string;
  username: string;
  /** The factor unlocked, or "all". */
  factor: string;
  /** The factors that were locked before this call. */
  wasLocked: string[];
  revoked: number;
}

export async function adminUnlock(deps: Deps, tenantId: string, user: User, actor: AdminActor, factor?: string): Promise<UnlockResult> {
  const factors = factor ? [factor] : listAuthenticators().map((a) => a.name);
  const states = await Promise.all(factors.map((f) => lockState(deps, tenantId, user.id, f)));
  const wasLocked = factors.filter((_f, i) => states[i]!.locked);
  await unlock(deps, tenantId, user.id, factor);
  // Whoever caused the lock may hold a session or token: an unlock starts from a clean slate.
  const revoked = await signOutEverywhere(deps, tenantId, user.id);
  logAction(deps, 'admin_user_unlocked', tenantId, actor, user, { factor: factor ?? 'all', wasLocked, revoked }, 'an administrator unlocked a user');
  await auditAction(deps, 'account_unlocked', tenantId, actor, user, { factor: factor ?? 'all', wasLocked, revoked }, factor);
  return { userId: user.id, username: user.username, factor: factor ?? 'all', wasLocked, revoked };
}

export async function adminSignOut(deps: Deps, tenantId: string, user: User, actor: AdminActor): Promise<{ userId: string; username: string; revoked: number }> {
  const revoked = await signOutEverywhere(deps, tenantId, user.id);
  logAction(deps, 'admin_user_signed_out', tenantId, actor, user, { revoked }, 'an administrator signed a user out everywhere');
  await auditAction(deps, 'user_signed_out_everywhere', tenantId, actor, user, { revoked });
  return { userId: user.id, username: user.username, revoked };
}

export interface ActiveResult {
  userId: string;
  username: string;
  active: boolean;
  /** False when the account already was in that state (nothing written, nothing logged). */
  changed: boolean;
  /** Sessions, grants and tokens ended (disabling ends them all). */
  revoked: number;
}

/**
 * Disables (`active` false) or enables an account, the same change as SCIM's `active`: a
 * disabled account cannot sign in or use its tokens, and disabling signs it out everywhere.
 */
export async function adminSetActive(deps: Deps, tenantId: string, user: User, actor: AdminActor, active: boolean): Promise<ActiveResult> {
  const { before, after, revoked } = await patchUser(deps, tenantId, user.id, (current) => ({ ...inputOf(current), active }));
  const changed = before.active !== after.active;
  if (changed) {
    logAction(deps, active ? 'admin_user_enabled' : 'admin_user_disabled', tenantId, actor, after, { revoked }, active ? 'an administrator enabled a user' : 'an administrator disabled a user');
    await auditAction(deps, 'user_updated', tenantId, actor, after, { before: { active: before.active }, after: { active: after.active }, passwordChanged: false, sessionsRevoked: !active });
  }
  return { userId: after.id, username: after.username, active: after.active, changed, revoked };
}

/**
 * Sets a new password (the CLI's way back in for an administrator who lost theirs). Ends
 * every session and token, as any password change does, and clears the password's failure
 * count and lock: they were earned against a password that no longer exists.
 */
export async function adminSetPassword(deps: Deps, tenantId: string, user: User, actor: AdminActor, password: string): Promise<{ revoked: number; wasLocked: boolean }> {
  const factor = basicAuthenticator.name;
  const { after, revoked } = await patchUser(deps, tenantId, user.id, (current) => ({ ...inputOf(current), password }));
  const { locked: wasLocked } = await lockState(deps, tenantId, user.id, factor);
  await unlock(deps, tenantId, user.id, factor);
  logAction(deps, 'admin_password_set', tenantId, actor, after, { revoked, wasLocked }, 'an administrator set a user\'s password');
  await auditAction(deps, 'user_updated', tenantId, actor, after, { passwordChanged: true, sessionsRevoked: true, revoked });
  if (wasLocked) await auditAction(deps, 'account_unlocked', tenantId, actor, after, { factor, wasLocked: [factor], revoked: 0 }, factor);
  return { revoked, wasLocked };
}
