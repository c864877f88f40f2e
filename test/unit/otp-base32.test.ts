// Base32 (RFC 4648) for TOTP secrets: the §10 vectors, round trips, what a decoder
// tolerates from people typing, what it refuses, and new secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Base32Error, base32Decode, base32Encode, formatBase32ForDisplay, generateSecret } from '../../src/otp/index.js';

// RFC 4648 §10.
const VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

test('RFC 4648 §10 vectors: encoded without padding, decoded with or without it', () => {
  for (const [plain, encoded] of VECTORS) {
    const unpadded = encoded.replace(/=+$/, '');
    assert.equal(base32Encode(Buffer.from(plain, 'ascii')), unpadded, `encode ${JSON.stringify(plain)}`);
    assert.equal(base32Decode(encoded).toString('ascii'), plain, `decode ${encoded}`);
    assert.equal(base32Decode(unpadded).toString('ascii'), plain, `decode ${unpadded}`);
  }
});

test('every byte string of length 0 to 64 survives encode then decode', () => {
  for (let length = 0; length <= 64; length++) {
    const bytes = randomBytes(length);
    const encoded = base32Encode(bytes);
    assert.match(encoded, /^[A-Z2-7]*$/);
    assert.equal(encoded.length, Math.ceil((length * 8) / 5));
    assert.deepEqual(base32Decode(encoded), bytes, `length ${length}`);
  }
  // All 256 byte values, and the all-ones / all-zeros edges.
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(base32Decode(base32Encode(all)), all);
  assert.equal(base32Encode(Buffer.alloc(5)), 'AAAAAAAA');
  assert.equal(base32Encode(Buffer.alloc(5, 0xff)), '77777777');
});

test('decoding tolerates lower case, spaces, line breaks and padding', () => {
  const secret = Buffer.from('12345678901234567890', 'ascii');
  const canonical = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(base32Encode(secret), canonical);
  for (const typed of [
    canonical.toLowerCase(),
    'gezd GNBV gy3t qojq GEZD gnbv GY3T QOJQ',
    ' GEZDGNBVGY3TQOJQ\n\tGEZDGNBVGY3TQOJQ ',
    formatBase32ForDisplay(canonical),
  ]) {
    assert.deepEqual(base32Decode(typed), secret, JSON.stringify(typed));
  }
  assert.deepEqual(base32Decode('my ======'), Buffer.from('f'));
  assert.deepEqual(base32Decode('MY== ==\n=='), Buffer.from('f'));
});

test('invalid characters are refused with a message naming the character and where it is', () => {
  const cases: [string, RegExp][] = [
    ['GEZDGNB1', /Invalid Base32 character "1" at position 8/],
    ['GEZDGNB0', /"0"/],
    ['GEZDGNB8', /"8"/],
    ['MZXW-6YQ', /"-" at position 5/],
    ['MZXW6YQ+', /"\+"/],
    // toUpperCase would map these to I and S; they are not Base32.
    ['MZXW6YTı', /"ı"/],
    ['MZXW6YTſ', /"ſ"/],
    ['MZXW6YTé', /"é"/],
    ['MZXW6YT🔑', /"🔑" at position 8/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => base32Decode(text), (error: unknown) => {
      assert.ok(error instanceof Base32Error, JSON.stringify(text));
      assert.match(error.message, message);
      assert.match(error.message, /only A–Z and 2–7 are allowed/);
      return true;
    });
  }
});

test('padding in the middle and lengths that cannot encode whole bytes are refused', () => {
  assert.throws(() => base32Decode('MY======MY'), /padding "=" is only allowed at the end/);
  assert.throws(() => base32Decode('M'), /Invalid Base32 length: 1 characters/);
  assert.throws(() => base32Decode('MZX'), /length/);
  assert.throws(() => base32Decode('MZXW6Y'), /length/);
  assert.throws(() => base32Decode('MZXW6YTBM'), /length: 9/);
  assert.deepEqual(base32Decode(''), Buffer.alloc(0));
  assert.deepEqual(base32Decode('  '), Buffer.alloc(0));
});

test('leftover bits need not be zero (random-character secrets from other systems)', () => {
  // "MY" is 0x66 ("f") plus 2 zero bits; "M3" is the same byte with those 2 bits set.
  assert.deepEqual(base32Decode('MY'), Buffer.from('f'));
  assert.deepEqual(base32Decode('M3'), Buffer.from('f'));
});

test('a secret is shown in groups of four', () => {
  assert.equal(formatBase32ForDisplay('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
  assert.equal(formatBase32ForDisplay('MZXW6YTBOI'), 'MZXW 6YTB OI');
  assert.equal(formatBase32ForDisplay('mzxw 6ytb oi======'), 'MZXW 6YTB OI');
  assert.equal(formatBase32ForDisplay(''), '');
});

test('generateSecret returns fresh random bytes, 20 by default, from the given source', () => {
  const a = generateSecret();
  const b = generateSecret();
  assert.equal(a.length, 20);
  assert.equal(base32Encode(a).length, 32);
  assert.notDeepEqual(a, b);
  assert.equal(generateSecret(32).length, 32);
  assert.deepEqual(generateSecret(16, (n) => Buffer.alloc(n, 7)), Buffer.alloc(16, 7));
  for (const bad of [0, 10, 15, 65, 20.5]) assert.throws(() => generateSecret(bad), /16 to 64 bytes/);
  assert.throws(() => generateSecret(20, () => Buffer.alloc(4)), /returned 4 bytes/);
});
