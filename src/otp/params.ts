// The parameters every OTP function shares, and the one place that checks them: they come
// from tenant settings and the config file, so a bad value is a fault to throw on, not a
// wrong code to answer with `null`.
export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
export type OtpDigits = 6 | 8;

export const OTP_ALGORITHMS: readonly OtpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
export const OTP_DIGITS: readonly OtpDigits[] = [6, 8];

export interface HotpParams {
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
}

export interface TotpParams extends HotpParams {
  /** Seconds per time step (RFC 6238 "X"). */
  period: number;
}

/** What Google Authenticator and WSO2 assume when the otpauth URI says nothing. */
export const DEFAULT_TOTP_PARAMS: Readonly<TotpParams> = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });

// node:crypto's names; the map doubles as the runtime allow-list.
const HMAC_NAMES: Record<OtpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export function hmacName(algorithm: OtpAlgorithm): string {
  const name = Object.hasOwn(HMAC_NAMES, algorithm) ? HMAC_NAMES[algorithm] : undefined;
  if (!name) throw new RangeError(`OTP algorithm must be one of ${OTP_ALGORITHMS.join(', ')}, got ${String(algorithm)}`);
  return name;
}

export function checkDigits(digits: OtpDigits): OtpDigits {
  if (!OTP_DIGITS.includes(digits)) throw new RangeError(`OTP digits must be 6 or 8, got ${String(digits)}`);
  return digits;
}

export function checkPeriod(period: number): number {
  if (!Number.isSafeInteger(period) || period < 1) {
    throw new RangeError(`TOTP period must be a whole number of seconds >= 1, got ${String(period)}`);
  }
  return period;
}
