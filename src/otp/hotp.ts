// HOTP, RFC 4226: HMAC over an 8-byte big-endian counter, dynamic truncation, modulo 10^digits.
import { createHmac } from 'node:crypto';
import { checkDigits, hmacName, type HotpParams } from './params.js';

const MAX_COUNTER = (1n << 64n) - 1n;

/**
 * The counter as the 8 bytes RFC 4226 hashes. Goes through BigInt so counters above 2^32
 * keep their high word (32-bit bit operations would silently drop it).
 */
export function counterBytes(counter: bigint | number): Buffer {
  if (typeof counter === 'number' && (!Number.isSafeInteger(counter) || counter < 0)) {
    throw new RangeError(`HOTP counter must be a non-negative safe integer or a bigint, got ${counter}`);
  }
  const value = BigInt(counter);
  if (value < 0n || value > MAX_COUNTER) throw new RangeError(`HOTP counter must fit in 64 unsigned bits, got ${value}`);
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(value);
  return bytes;
}

/** RFC 4226 step 1: HS = HMAC(K, C). */
export function hmacCounter(secret: Uint8Array, counter: bigint | number, algorithm: HotpParams['algorithm']): Buffer {
  // An empty key would give every user the same codes; it can only come from a bug upstream.
  if (secret.length === 0) throw new RangeError('OTP secret must not be empty');
  return createHmac(hmacName(algorithm), secret).update(counterBytes(counter)).digest();
}

/** RFC 4226 §5.3 dynamic truncation: 31 bits from the offset named by the last nibble. */
export function dynamicTruncate(hmac: Uint8Array): number {
  const digest = Buffer.from(hmac.buffer, hmac.byteOffset, hmac.byteLength);
  const offset = digest[digest.length - 1]! & 0x0f;
  // The top bit is masked so signed and unsigned readers agree (RFC 4226 §5.3).
  return digest.readUInt32BE(offset) & 0x7fffffff;
}

/** The HOTP code as a string of exactly `digits` digits; leading zeros are part of the code. */
export function hotp(secret: Uint8Array, counter: bigint | number, params: HotpParams): string {
  const digits = checkDigits(params.digits);
  const value = dynamicTruncate(hmacCounter(secret, counter, params.algorithm)) % 10 ** digits;
  return String(value).padStart(digits, '0');
}
