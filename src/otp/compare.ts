// Code comparison that does not tell an attacker how much of a guess was right.
import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time for equal lengths. For different lengths the answer is false, but the
 * comparison still runs (against itself) so the time taken does not depend on content.
 */
export function codesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * Exactly `digits` ASCII digits. Checked before any HMAC so malformed input costs nothing;
 * `[0-9]` rather than `\d` or Number() so that full-width digits, signs, spaces and "1e5"
 * never become a code. `000000` is well formed (WSO2 rejects it; that is its bug).
 */
export function isWellFormedCode(code: unknown, digits: number): code is string {
  return typeof code === 'string' && code.length === digits && /^[0-9]+$/.test(code);
}
