// The signed-in user's own TOTP (WSO2's /me/totp semantics): a new secret stays pending
// until a code of it is entered, and only then replaces the active one, so an unfinished
// change never breaks sign-in. Changing or removing an active secret needs a second factor
// (a recent sign-in with `otp`, or a code of the active app sent along), which the caller
// passes in as `secondFactor`: asked only when a secret is active, so a code sent along
// is spent only when it is needed.
import { RECENT_SECOND_FACTOR_SECONDS } from '../../../access/self-service.js';
import type { Deps } from '../../../deps.js';
import type { Tenant } from '../../../tenants/tenant.js';
import type { User } from '../../../users/user.js';
import { AppError } from '../../../errors.js';
import { normalizeCode, totpLocked, type SecondFactor } from './code-proof.js';
import { epochSeconds } from '../../../clock.js';
import { attemptFailed, recordSuccess, reserveAttempt, type Attempt } from '../../regulation.js';
import { totpParameters } from './parameters.js';
import {
  activateTotpCredential, deletePendingTotpCredential, findTotpCredential, savePendingTotpCredential,
} from './totp-credential.repository.js';
import {
  TOTP_FACTOR, describeEnrollment, isoSeconds, matchCode, newTotpSecret, resetTotp, secretOf, totpState, viewTotpState,
  type TotpSecret, type TotpStateView,
} from './totp.service.js';
import { signOutEverywhere } from '../../../oidc/sign-out-everywhere.js';
import { removeBackupCodes } from '../backup-code/backup-code.service.js';
import { recordAudit } from '../../../audit/audit.service.js';
import type { AuditDetails, AuditEventType, AuditOrigin } from '../../../audit/audit-event.js';

/** A secret waiting for its first code, as the application shows it to the user. */
export interface PendingSecretView {
  /** Standard Base64 of the otpauth:// URI (WSO2's qrCodeUrl). */
  qrCodeUrl: string;
  /** The QR code as a PNG data URL, ready for an <img>. */
  qrCode: string;
  /** Base32 without padding, for typing into the app by hand. */
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
}

export interface MyTotpView extends TotpStateView {
  /** The pending secret (see describeMyTotp for when it is shown). */
  qrCodeUrl?: string;
  qrCode?: string;
  secret?: string;
}

export const stepUpRequired = () => new AppError('insufficient_user_authentication', 403,
  'Changing or removing an active authenticator app needs proof of it: send a code it shows now as "verificationCode", '
  + `or use an access token from a sign-in with a code from it within the last ${RECENT_SECOND_FACTOR_SECONDS / 60} minutes `
  + '(authorization request with prompt=login or max_age=0, for an application whose sign-in asks for the code).');

async function pendingView(deps: Deps, tenant: Tenant, user: User, secret: TotpSecret): Promise<PendingSecretView> {
  const view = await describeEnrollment(tenant, user, secret, await totpParameters(deps, tenant.id));
  return {
    qrCodeUrl: Buffer.from(view.uri, 'utf8').toString('base64'),
    qrCode: view.qrDataUrl,
    secret: secret.secret,
    algorithm: secret.algorithm,
    digits: secret.digits,
    period: secret.period,
  };
}

/**
 * The user's TOTP state. The active secret is never shown: a token, once stolen, must not
 * be enough to copy the second factor. A pending secret is shown when nothing is active
 * yet (the same caller could INIT one anyway); a pending *replacement* only with a recent
 * second factor, as REFRESH needs, or a password-only token could read and VALIDATE it.
 */
export async function describeMyTotp(deps: Deps, tenant: Tenant, user: User, recentSecondFactor: boolean): Promise<MyTotpView> {
  const state = await totpState(deps, tenant.id, user.id);
  const view: MyTotpView = viewTotpState(state);
  if (state.status === 'pending' || (state.pendingReplacement && recentSecondFactor)) {
    const pending = await findTotpCredential(deps.store.db, tenant.id, user.id, 'pending');
    if (pending) {
      const { qrCodeUrl, qrCode, secret } = await pendingView(deps, tenant, user, secretOf(deps, pending));
      Object.assign(view, { qrCodeUrl, qrCode, secret });
    }
  }
  return view;
}

/**
 * INIT (nothing active yet) or REFRESH: a new pending secret, replacing any earlier
 * pending one; an active secret keeps working until the new one is validated.
 */
export async function newPendingSecret(deps: Deps, tenant: Tenant, user: User, action: 'INIT' | 'REFRESH', secondFactor: SecondFactor): Promise<PendingSecretView> {
  const active = await findTotpCredential(deps.store.db, tenant.id, user.id, 'active');
  if (active && action === 'INIT') {
    throw new AppError('totp_already_active', 409, 'An authenticator app is already set up for this account: use {"action": "REFRESH"} to replace it (the current one keeps working until the new one is validated), or DELETE to remove it.');
  }
  if (active && !(await secondFactor(active))) throw stepUpRequired();
  const secret = newTotpSecret(await totpParameters(deps, tenant.id));
  await savePendingTotpCredential(deps.store.db, {
    tenant_id: tenant.id, user_id: user.id, secret: deps.secrets.seal(secret.secret),
    algorithm: secret.algorithm, digits: secret.digits, period: secret.period, created_at: epochSeconds(deps.clock),
  });
  deps.logger.info({ event: 'totp_secret_created', tenantId: tenant.id, userId: user.id, via: 'self-service', action, replacing: Boolean(active) }, 'a pending TOTP secret was created');
  return pendingView(deps, tenant, user, secret);
}

/** The user acting on their own TOTP, for the audit log. */
function auditSelf(deps: Deps, type: AuditEventType, tenant: Tenant, user: User, origin: AuditOrigin | undefined, details: AuditDetails): Promise<void> {
  const self = { id: user.id, username: user.username };
  return recordAudit(deps, { tenantId: tenant.id, type, actor: { kind: 'user', ...self }, user: self, factor: TOTP_FACTOR, ...(origin ? { origin } : {}), details });
}

/**
 * VALIDATE: a code of the pending secret makes it the active one (replacing any other);
 * a wrong code is an answer ({isValid: false}), counted toward the TOTP lock like a
 * wrong code at sign-in. While the lock holds no code is judged at all.
 */
export async function validatePendingSecret(deps: Deps, tenant: Tenant, user: User, rawCode: string | number, origin?: AuditOrigin): Promise<{ isValid: boolean }> {
  const params = await totpParameters(deps, tenant.id);
  const pending = await findTotpCredential(deps.store.db, tenant.id, user.id, 'pending');
  if (!pending) {
    throw new AppError('no_pending_totp', 409, 'There is no new secret to validate: start with {"action": "INIT"} (or "REFRESH" to replace an active one), then VALIDATE a code of the secret it returns.');
  }
  const secret = secretOf(deps, pending);
  // A malformed code is a 400 before anything is counted.
  const code = normalizeCode(rawCode, secret.digits);
  // Counted before it is judged, so concurrent guesses get no more than the lock allows.
  let attempt: Attempt | undefined;
  if (params.EnableAccountLockingForFailedAttempts) {
    attempt = await reserveAttempt(deps, tenant.id, user.id, TOTP_FACTOR, origin);
    if (!attempt.allowed) {
      deps.logger.warn({ event: 'totp_validate_refused_locked', tenantId: tenant.id, userId: user.id }, 'self-service TOTP validation on a locked account');
      throw totpLocked(attempt.lockedUntil);
    }
  }
  const step = matchCode(deps, secret, code, params);
  if (step === null) {
    if (attempt) await attemptFailed(deps, tenant.id, user.id, TOTP_FACTOR, attempt, origin);
    deps.logger.info({ event: 'totp_validate_failed', tenantId: tenant.id, userId: user.id, code: 'invalid_code' }, 'self-service TOTP validation failed');
    return { isValid: false };
  }
  const { status: _pending, ...row } = pending;
  const replaced = Boolean(await findTotpCredential(deps.store.db, tenant.id, user.id, 'active'));
  // The step proven here is spent: the same code cannot then sign in.
  await activateTotpCredential(deps.store.db, { ...row, last_used_step: step }, 'replace');
  if (attempt) await recordSuccess(deps, tenant.id, user.id, TOTP_FACTOR);
  deps.logger.info({ event: 'totp_enrolled', tenantId: tenant.id, userId: user.id, via: 'self-service' }, 'TOTP enrolled through the self-service API');
  await auditSelf(deps, 'totp_enrolled', tenant, user, origin, { via: 'self-service', replaced });
  return { isValid: true };
}

/**
 * DELETE: forgets the user's TOTP; removing an active secret needs a second factor, takes
 * the backup codes with it and ends every session and token of the user (whoever holds
 * one may be who took the phone).
 */
export async function removeMyTotp(deps: Deps, tenant: Tenant, user: User, secondFactor: SecondFactor, origin?: AuditOrigin): Promise<void> {
  const active = await findTotpCredential(deps.store.db, tenant.id, user.id, 'active');
  const proven = active ? await secondFactor(active) : false;
  if (active && !proven) throw stepUpRequired();
  // Unproven, only a pending secret goes, so one activated meanwhile (a VALIDATE racing
  // this call) is not removed by a request that could not remove it.
  const removed = proven
    ? await resetTotp(deps, tenant.id, user.id)
    : (await deletePendingTotpCredential(deps.store.db, tenant.id, user.id)) > 0;
  if (!removed) return;
  deps.logger.info({ event: 'totp_reset', tenantId: tenant.id, userId: user.id, via: 'self-service', hadActive: Boolean(active) }, 'a user removed their TOTP');
  // Backup codes stand in for the app: a user who removes it turns two-step verification
  // off, and codes left behind would be a second factor they can neither see nor delete.
  if (active) await removeBackupCodes(deps, tenant.id, user.id, 'self-service', origin);
  const revoked = active ? await signOutEverywhere(deps, tenant.id, user.id) : 0;
  await auditSelf(deps, 'totp_reset', tenant, user, origin, { via: 'self-service', hadActive: Boolean(active), revoked });
}

/**
 * DELETE …/pending: forgets an unfinished setup or replacement only. Needs no second
 * factor: a pending secret is no factor yet, and the active one (if any) is untouched.
 */
export async function cancelPendingTotp(deps: Deps, tenant: Tenant, user: User, origin?: AuditOrigin): Promise<void> {
  if (await deletePendingTotpCredential(deps.store.db, tenant.id, user.id) === 0) return;
  deps.logger.info({ event: 'totp_pending_cancelled', tenantId: tenant.id, userId: user.id, via: 'self-service' }, 'a user cancelled an unfinished TOTP setup');
  await auditSelf(deps, 'totp_reset', tenant, user, origin, { via: 'self-service', hadActive: false, pendingOnly: true, revoked: 0 });
}
