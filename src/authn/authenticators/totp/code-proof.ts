// A current code of the user's active authenticator app, sent with a self-service change,
// as the proof of the second factor that replacing or removing it (or the backup codes)
// needs: the same "enter a code to confirm" that GitHub and Google ask, and the other way
// to such a change besides a token from a sign-in with `otp` in the last five minutes. A
// page whose sign-in asked for a password only (My Account by default) can then still let
// the user change their phone, and a stolen password-only token still cannot.
//
// Each attempt is counted against the TOTP lock *before* it is judged (one atomic
// increment), so concurrent guesses are no faster than sequential ones, and an accepted
// code's time step is spent: it can neither be used again here nor sign in.
import type { Deps } from '../../../deps.js';
import type { Tenant } from '../../../tenants/tenant.js';
import type { User } from '../../../users/user.js';
import type { AuditOrigin } from '../../../audit/audit-event.js';
import { AppError, badRequest, shown } from '../../../errors.js';
import { attemptFailed, recordSuccess, reserveAttempt } from '../../regulation.js';
import { totpParameters } from './parameters.js';
import { TOTP_FACTOR, checkCodeOf, isoSeconds } from './totp.service.js';
import { findTotpCredential, type TotpCredentialRow } from './totp-credential.repository.js';
import { recordAudit } from '../../../audit/audit.service.js';
import { RECENT_SECOND_FACTOR_SECONDS, hasRecentSecondFactor } from '../../../access/self-service.js';
import type { Caller } from '../../../access/caller.js';

/** A code sent with a request, not yet read: undefined when the body has none. */
export type CodeProof = string | number | undefined;

export function totpLocked(lockedUntil: number | null): AppError {
  return new AppError('totp_locked', 403, lockedUntil === null
    ? 'Too many incorrect codes: verification codes for this account are refused until an administrator unlocks it.'
    : `Too many incorrect codes: verification codes for this account are refused until ${isoSeconds(lockedUntil)}. Try again then, or ask an administrator to unlock it.`);
}

/** The code as the credential's digits; JSON numbers lose leading zeros, so they are padded. */
export function normalizeCode(raw: string | number, digits: number): string {
  const code = typeof raw === 'number'
    ? (Number.isSafeInteger(raw) && raw >= 0 ? String(raw).padStart(digits, '0') : '')
    : raw.replace(/\s+/g, '');
  if (!new RegExp(`^[0-9]{${digits}}$`).test(code)) throw badRequest(`verificationCode must be the ${digits}-digit code the authenticator app shows`);
  return code;
}

/** The optional `verificationCode` of a body that may carry nothing else. */
export function parseCodeProof(body: unknown, what: string): CodeProof {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body must be empty or a JSON object such as {"verificationCode": "123456"}`);
  const { verificationCode, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => shown(k)).join(', ')}: ${what} carries only "verificationCode"`);
  return checkedCodeField(verificationCode);
}

/** verificationCode's type, when present (its length is checked against the secret later). */
export function checkedCodeField(value: unknown): CodeProof {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw badRequest('verificationCode must be the code as a string of digits, e.g. "012345"');
  return value;
}

const unregulated = () => new AppError('insufficient_user_authentication', 403,
  'A code sent with the request cannot confirm this change here, because wrong codes are not counted toward a lock '
  + '(EnableAccountLockingForFailedAttempts or [identity_mgt.account_locking] is off): it would let a password alone guess the code. '
  + `Use an access token from a sign-in with a code from the authenticator app within the last ${RECENT_SECOND_FACTOR_SECONDS / 60} minutes.`);

/**
 * Proves the user's active authenticator app with `raw`: true when the code is right (its
 * step now spent), false when no code was sent or nothing is active to prove. A wrong,
 * reused or malformed code is an error, as is a lock in force. Only while wrong codes
 * are counted toward a lock: a bearer call has no per-IP limit like the sign-in page's,
 * so without the lock a password-only token could guess the code at leisure.
 */
export async function proveActiveCode(deps: Deps, tenant: Tenant, user: User, raw: CodeProof, origin?: AuditOrigin, known?: TotpCredentialRow): Promise<boolean> {
  if (raw === undefined) return false;
  const active = known ?? await findTotpCredential(deps.store.db, tenant.id, user.id, 'active');
  if (!active) return false;
  const code = normalizeCode(raw, active.digits);
  const params = await totpParameters(deps, tenant.id);
  if (!params.EnableAccountLockingForFailedAttempts || !deps.config.identity_mgt.account_locking.enable_account_locking) throw unregulated();
  const attempt = await reserveAttempt(deps, tenant.id, user.id, TOTP_FACTOR, origin);
  if (!attempt.allowed) {
    deps.logger.warn({ event: 'totp_proof_refused_locked', tenantId: tenant.id, userId: user.id }, 'a self-service change was confirmed with a code while the TOTP lock holds');
    throw totpLocked(attempt.lockedUntil);
  }
  const checked = await checkCodeOf(deps, active, code, params, origin ? { origin } : {});
  if (checked === 'accepted') {
    await recordSuccess(deps, tenant.id, user.id, TOTP_FACTOR);
    return true;
  }
  await attemptFailed(deps, tenant.id, user.id, TOTP_FACTOR, attempt, origin);
  deps.logger.info({ event: 'totp_proof_failed', tenantId: tenant.id, userId: user.id, code: checked }, 'a self-service change was confirmed with a wrong code');
  const self = { id: user.id, username: user.username };
  await recordAudit(deps, {
    tenantId: tenant.id, type: 'login_failed', actor: { kind: 'user', ...self }, user: self, factor: TOTP_FACTOR,
    ...(origin ? { origin } : {}), details: { reason: checked === 'replayed' ? 'code_replayed' : 'invalid_code', via: 'confirmation' },
  });
  // Reused, wrong or (after a race) no longer enrolled: one answer, as on the sign-in page.
  throw new AppError('invalid_verification_code', 403, 'That code is not correct. Enter the code your authenticator app shows now (each code works once). After several wrong codes, codes are refused for a while.');
}

/** Whether the request proves the user's second factor; given the active credential when the caller has read it. */
export type SecondFactor = (active?: TotpCredentialRow) => Promise<boolean>;

/**
 * The self-service change's proof of the second factor, asked only when the change needs
 * one: a token from a recent sign-in with `otp`, or else the code sent along.
 */
export const secondFactorCheck = (deps: Deps, tenant: Tenant, caller: Caller, user: User, code: CodeProof, origin?: AuditOrigin): SecondFactor =>
  async (active) => hasRecentSecondFactor(deps, caller) || proveActiveCode(deps, tenant, user, code, origin, active);
