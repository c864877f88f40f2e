// Base32 (RFC 4648 §6), the encoding authenticator apps expect for TOTP secrets.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// Both cases spelled out: String#toUpperCase would turn 'ı' into 'I' and 'ſ' into 'S',
// quietly accepting characters that are not Base32.
const VALUES = new Map<string, number>();
for (let i = 0; i < ALPHABET.length; i++) {
  VALUES.set(ALPHABET.charAt(i), i);
  VALUES.set(ALPHABET.charAt(i).toLowerCase(), i);
}

// Data characters in the last 8-character group that no whole number of bytes produces.
const IMPOSSIBLE_REMAINDERS = new Set([1, 3, 6]);

/** Thrown for text that is not Base32; the message says what is wrong and where. */
export class Base32Error extends Error {
  override name = 'Base32Error';
}

/** Upper case, no padding: the otpauth Key URI format omits it. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >>> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/**
 * Accepts what people paste or type: any case, whitespace anywhere (including the groups
 * of formatBase32ForDisplay), and trailing `=` padding. Anything else throws Base32Error.
 */
export function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  let dataChars = 0;
  let padding = false;
  let position = 0;
  for (const ch of text) {
    position += 1;
    if (/\s/.test(ch)) continue;
    if (ch === '=') {
      padding = true;
      continue;
    }
    const value = VALUES.get(ch);
    if (value === undefined) {
      throw new Base32Error(`Invalid Base32 character ${JSON.stringify(ch)} at position ${position}: only A–Z and 2–7 are allowed`);
    }
    if (padding) throw new Base32Error(`Invalid Base32: padding "=" is only allowed at the end (position ${position})`);
    buffer = (buffer << 5) | value;
    bits += 5;
    dataChars += 1;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  if (IMPOSSIBLE_REMAINDERS.has(dataChars % 8)) {
    throw new Base32Error(`Invalid Base32 length: ${dataChars} characters cannot encode whole bytes (is a character missing?)`);
  }
  // Leftover non-zero bits are tolerated (RFC 4648 §3.5 lets decoders choose): secrets made of
  // random Base32 characters, as some systems generate them, have them and apps accept them.
  return Buffer.from(out);
}

/** `ABCD EFGH IJKL …` so a secret can be read out and typed in. */
export function formatBase32ForDisplay(secret: string): string {
  const compact = secret.replace(/[\s=]/g, '').toUpperCase();
  return (compact.match(/.{1,4}/g) ?? []).join(' ');
}
