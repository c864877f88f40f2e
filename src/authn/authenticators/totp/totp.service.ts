// TOTP for one user: new secrets, verification with replay protection, state and reset.
// The login step, the self-service API and the admin API all go through here, with the
// tenant's parameters, so no path checks codes differently (WSO2 #13616, #26343).
import QRCode from 'qrcode';
import type { Deps } from '../../../deps.js';
import type { Tenant } from '../../../tenants/tenant.js';
import type { User } from '../../../users/user.js';
import { epochSeconds } from '../../../clock.js';
import {
  base32Decode, base32Encode, buildOtpauthUri, formatBase32ForDisplay, generateSecret, verifyTotp,
  type OtpAlgorithm, type OtpDigits, type TotpParams,
} from '../../../otp/index.js';
import { lockState } from '../../regulation.js';
import type { TotpParameters } from './parameters.js';
import { deleteTotpCredentials, findTotpCredential, spendTimeStep, type TotpCredentialRow } from './totp-credential.repository.js';
import { QR_SIZE } from './pages.js';
import { recordAudit } from '../../../audit/audit.service.js';
import type { SignInScope } from '../../../audit/sign-in-audit.js';
import type { AuditOrigin } from '../../../audit/audit-event.js';

export const TOTP_FACTOR = 'totp';

/** A secret with the parameters it was created under (they travel with it for its lifetime). */
export interface TotpSecret extends TotpParams {
  /** Base32, no padding. */
  secret: string;
}

/** 20 random bytes (160 bits, RFC 4226 §4 R6) with the tenant's current parameters. */
export function newTotpSecret(params: TotpParameters): TotpSecret {
  return {
    secret: base32Encode(generateSecret(20)),
    algorithm: params.algorithm as OtpAlgorithm,
    digits: params.digits as OtpDigits,
    period: params.timeStepSize,
  };
}

/** The name authenticator apps show: never an internal id (WSO2 #19237 showed carbon.super). */
export function issuerName(tenant: Tenant, params: TotpParameters): string {
  return params.UseCommonIssuer && params.Issuer.trim() ? params.Issuer.trim() : tenant.displayName;
}

export interface Enrollment {
  uri: string;
  qrDataUrl: string;
  secretGroups: string;
  issuer: string;
  account: string;
}

export async function describeEnrollment(tenant: Tenant, user: User, secret: TotpSecret, params: TotpParameters): Promise<Enrollment> {
  const issuer = issuerName(tenant, params);
  const uri = buildOtpauthUri({ ...secret, secret: base32Decode(secret.secret), issuer, account: user.username });
  const qrDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 4, width: QR_SIZE });
  return { uri, qrDataUrl, secretGroups: formatBase32ForDisplay(secret.secret), issuer, account: user.username };
}

/** Seals a secret for storage (database row or the login's interaction). */
export function sealSecret(deps: Deps, secret: TotpSecret): string {
  return deps.secrets.seal(JSON.stringify(secret));
}

export function openSecret(deps: Deps, sealed: string): TotpSecret {
  return JSON.parse(deps.secrets.open(sealed)) as TotpSecret;
}

export function secretOf(deps: Deps, row: TotpCredentialRow): TotpSecret {
  return { secret: deps.secrets.open(row.secret), algorithm: row.algorithm as OtpAlgorithm, digits: row.digits as OtpDigits, period: row.period };
}

/** The time step `code` proves for `secret` now, within the tenant's window, or null. */
export function matchCode(deps: Deps, secret: TotpSecret, code: string, params: TotpParameters): number | null {
  return verifyTotp({
    secret: base32Decode(secret.secret),
    code: code.trim(),
    unixSeconds: epochSeconds(deps.clock),
    algorithm: secret.algorithm,
    digits: secret.digits,
    period: secret.period,
    windowSize: params.windowSize,
  });
}

export type CodeCheck = 'accepted' | 'invalid' | 'replayed' | 'not_enrolled';

/**
 * Checks a code against the user's active secret and spends its time step in one
 * conditional UPDATE, so a code (or any earlier one) is accepted once, however many
 * requests race for it on however many nodes. `scope` (the login step) names the
 * application and client in the audit event of a replay.
 */
export async function checkActiveCode(deps: Deps, tenantId: string, userId: string, code: string, params: TotpParameters, scope?: SignInScope): Promise<CodeCheck> {
  const row = await findTotpCredential(deps.store.db, tenantId, userId, 'active');
  if (!row) return 'not_enrolled';
  return checkCodeOf(deps, row, code, params, scope ? { clientId: scope.application.clientId, origin: { ip: scope.clientIp, userAgent: scope.userAgent } } : {});
}

/** checkActiveCode for an active credential already read; `where` goes into a replay's audit event. */
export async function checkCodeOf(deps: Deps, row: TotpCredentialRow, code: string, params: TotpParameters, where: { clientId?: string; origin?: AuditOrigin }): Promise<CodeCheck> {
  const { tenant_id: tenantId, user_id: userId } = row;
  const step = matchCode(deps, secretOf(deps, row), code, params);
  if (step === null) return 'invalid';
  if (!params.PreventTOTPCodeReuse) return 'accepted';
  if (await spendTimeStep(deps.store.db, tenantId, userId, step)) return 'accepted';
  deps.logger.warn({ event: 'totp_code_replayed', tenantId, userId, step }, 'a TOTP code was submitted again after it had been accepted');
  await recordAudit(deps, {
    tenantId, type: 'totp_code_replayed', outcome: 'failure', user: { id: userId }, factor: TOTP_FACTOR, details: { timeStep: step }, ...where,
  });
  return 'replayed';
}

export type TotpStatus = 'none' | 'pending' | 'active';

export interface TotpState {
  status: TotpStatus;
  /** Also a pending replacement waiting for its first code (self-service REFRESH). */
  pendingReplacement: boolean;
  locked: boolean;
  lockedUntil: number | null;
  enrolledAt: number | null;
  algorithm: string | null;
  digits: number | null;
  period: number | null;
}

export async function totpState(deps: Deps, tenantId: string, userId: string): Promise<TotpState> {
  const [active, pending, lock] = await Promise.all([
    findTotpCredential(deps.store.db, tenantId, userId, 'active'),
    findTotpCredential(deps.store.db, tenantId, userId, 'pending'),
    lockState(deps, tenantId, userId, TOTP_FACTOR),
  ]);
  const shown = active ?? pending;
  return {
    status: active ? 'active' : pending ? 'pending' : 'none',
    pendingReplacement: Boolean(active && pending),
    locked: lock.locked,
    lockedUntil: lock.lockedUntil,
    enrolledAt: active ? Number(active.created_at) : null,
    algorithm: shown?.algorithm ?? null,
    digits: shown?.digits ?? null,
    period: shown?.period ?? null,
  };
}

/** ISO 8601 without milliseconds, as the APIs answer times. */
export const isoSeconds = (seconds: number | null): string | null =>
  seconds === null ? null : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** TotpState as the admin and self-service APIs answer it (times in ISO 8601). */
export interface TotpStateView {
  status: TotpStatus;
  /** A self-service replacement secret waits for its first code (the active one still works). */
  pendingReplacement: boolean;
  /** The TOTP step is locked after too many wrong codes. */
  locked: boolean;
  /** null when not locked or when only an administrator can unlock. */
  lockedUntil: string | null;
  enrolledAt: string | null;
  /** Of the active secret, else of the pending one. */
  algorithm: string | null;
  digits: number | null;
  period: number | null;
}

export function viewTotpState(state: TotpState): TotpStateView {
  return { ...state, lockedUntil: isoSeconds(state.lockedUntil), enrolledAt: isoSeconds(state.enrolledAt) };
}

/** Forgets the user's TOTP: the next sign-in enrolls a device again. */
export async function resetTotp(deps: Deps, tenantId: string, userId: string): Promise<boolean> {
  return (await deleteTotpCredentials(deps.store.db, tenantId, userId)) > 0;
}
