// A signed-in user changes their own password, proving the current one. A stolen access
// token must not become a way to guess it: each attempt is counted against the password's
// lockout *before* it is judged (one atomic increment), so of any number of concurrent
// guesses only the ones within allowed_failed_attempts are checked at all.
import type { Deps } from '../deps.js';
import { AppError, badRequest, shown } from '../errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditOrigin } from '../audit/audit-event.js';
import { passwordPolicyProblem, verifyPassword } from '../users/password.js';
import { inputOf, patchUser } from '../users/user.service.js';
import type { User } from '../users/user.js';
import { attemptFailed, recordSuccess, reserveAttempt } from './regulation.js';
import { isoSeconds } from './authenticators/totp/totp.service.js';
import { basicAuthenticator } from './authenticators/basic/index.js';

const PASSWORD_FACTOR = basicAuthenticator.name;

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export function parsePasswordChange(body: unknown): PasswordChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object: {"currentPassword": "…", "newPassword": "…"}');
  const { currentPassword, newPassword, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => shown(k)).join(', ')}: the body carries only "currentPassword" and "newPassword"`);
  if (typeof currentPassword !== 'string' || !currentPassword) throw badRequest('currentPassword is required: the password the account has now');
  if (typeof newPassword !== 'string') throw badRequest('newPassword is required and must be a string');
  return { currentPassword, newPassword };
}

const locked = (lockedUntil: number | null) => new AppError('password_locked', 403, lockedUntil === null
  ? 'Too many wrong passwords: this account\'s password is refused until an administrator unlocks it.'
  : `Too many wrong passwords: this account's password is refused until ${isoSeconds(lockedUntil)}. Try again then, or ask an administrator to unlock it.`);

/** Changes `user`'s password; ends every session and token of the user, as any new password does. */
export async function changeMyPassword(deps: Deps, tenantId: string, user: User, change: PasswordChange, origin: AuditOrigin): Promise<{ revoked: number }> {
  // The policy first: a refused new password costs no attempt.
  const problem = passwordPolicyProblem(change.newPassword, user.username);
  if (problem) throw badRequest(problem.replace(/^password\b/, 'newPassword'));
  // A lock in force also makes the attempt one over the limit: no separate look at it.
  const attempt = await reserveAttempt(deps, tenantId, user.id, PASSWORD_FACTOR, origin);
  if (!attempt.allowed) throw locked(attempt.lockedUntil);
  const actor = { kind: 'user' as const, id: user.id, username: user.username };
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, change.currentPassword))) {
    await attemptFailed(deps, tenantId, user.id, PASSWORD_FACTOR, attempt, origin);
    deps.logger.info({ event: 'password_change_refused', tenantId, userId: user.id }, 'self-service password change with a wrong current password');
    await recordAudit(deps, { tenantId, type: 'login_failed', actor, user: { id: user.id, username: user.username }, origin, factor: PASSWORD_FACTOR, details: { reason: 'wrong_current_password', via: 'password_change' } });
    throw new AppError('invalid_current_password', 400, 'currentPassword is not this account\'s password. After several wrong passwords the account is locked for a while.');
  }
  await recordSuccess(deps, tenantId, user.id, PASSWORD_FACTOR);
  const { after, revoked } = await patchUser(deps, tenantId, user.id, (current) => ({ ...inputOf(current), password: change.newPassword }));
  deps.logger.info({ event: 'password_changed', tenantId, userId: user.id, revoked }, 'a user changed their password');
  await recordAudit(deps, { tenantId, type: 'user_updated', actor, user: { id: after.id, username: after.username }, origin, details: { via: 'self', passwordChanged: true, sessionsRevoked: true, revoked } });
  return { revoked };
}
