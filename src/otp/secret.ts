// New TOTP secrets. The random source is a parameter so tests can make secrets predictable.
import { randomBytes } from 'node:crypto';

/**
 * `bytes` random bytes: 20 (160 bits) is RFC 4226's recommendation and SHA1's output size.
 * Below 16 bytes RFC 4226 R6 forbids; above 64 (SHA512's output) adds nothing.
 */
export function generateSecret(bytes = 20, random: (size: number) => Buffer = randomBytes): Buffer {
  if (!Number.isSafeInteger(bytes) || bytes < 16 || bytes > 64) {
    throw new RangeError(`TOTP secret length must be 16 to 64 bytes, got ${bytes}`);
  }
  const secret = random(bytes);
  if (secret.length !== bytes) throw new RangeError(`random source returned ${secret.length} bytes, expected ${bytes}`);
  return secret;
}
