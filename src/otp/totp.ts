// TOTP, RFC 6238: HOTP with the counter T = floor(unixSeconds / period), T0 = 0.
// Time is an argument (whole or fractional Unix seconds) so callers pass their injected clock.
import { codesEqual, isWellFormedCode } from './compare.js';
import { hotp } from './hotp.js';
import { checkDigits, checkPeriod, hmacName, type TotpParams } from './params.js';

/** The RFC 6238 time-step counter; a safe integer for any realistic time. */
export function timeStep(unixSeconds: number, period: number): number {
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new RangeError(`TOTP time must be non-negative Unix seconds, got ${unixSeconds}`);
  }
  return Math.floor(unixSeconds / checkPeriod(period));
}

export function totp(secret: Uint8Array, unixSeconds: number, params: TotpParams): string {
  return hotp(secret, timeStep(unixSeconds, params.period), params);
}

/**
 * WSO2's `windowSize` is the TOTAL number of steps checked, centred on now and leaning
 * forward when even: 1 → [0], 3 → [-1, 0, 1], 4 → [-1, 0, 1, 2].
 */
export function windowOffsets(windowSize: number): number[] {
  if (!Number.isSafeInteger(windowSize) || windowSize < 1) {
    throw new RangeError(`TOTP window size must be a whole number >= 1, got ${windowSize}`);
  }
  const first = -Math.floor((windowSize - 1) / 2);
  return Array.from({ length: windowSize }, (_, i) => first + i);
}

export interface VerifyTotpInput extends TotpParams {
  secret: Uint8Array;
  /** What the user typed; anything but exactly `digits` ASCII digits is refused. */
  code: string;
  unixSeconds: number;
  /** Total number of time steps accepted (WSO2 semantics, see windowOffsets). */
  windowSize: number;
}

/**
 * The time-step counter the code matches, or null. The caller stores it to refuse replays
 * (`UPDATE … WHERE last_used_step < :step`).
 */
export function verifyTotp(input: VerifyTotpInput): number | null {
  // Settings first: a bad one throws even for a malformed code, instead of hiding as "wrong code".
  checkDigits(input.digits);
  hmacName(input.algorithm);
  const offsets = windowOffsets(input.windowSize);
  const now = timeStep(input.unixSeconds, input.period);
  if (!isWellFormedCode(input.code, input.digits)) return null;
  let matched: number | null = null;
  // Every offset is computed and compared, so the time taken does not say which one matched.
  for (const offset of offsets) {
    const step = now + offset;
    if (step < 0) continue;
    const equal = codesEqual(hotp(input.secret, step, input), input.code);
    // On the (1 in 10^digits) chance that two steps share a code, the latest wins: returning
    // the earlier one would let the same code pass the replay check again one step later.
    if (equal) matched = step;
  }
  return matched;
}
