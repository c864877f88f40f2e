// HOTP (RFC 4226): the Appendix D vectors step by step, 64-bit counters, and leading zeros.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterBytes, dynamicTruncate, hmacCounter, hotp } from '../../src/otp/index.js';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const SHA1_6 = { algorithm: 'SHA1', digits: 6 } as const;

// RFC 4226 Appendix D: counter, HMAC-SHA1, truncated 31-bit value, 6-digit HOTP.
const APPENDIX_D: [number, string, number, string][] = [
  [0, 'cc93cf18508d94934c64b65d8ba7667fb7cde4b0', 1284755224, '755224'],
  [1, '75a48a19d4cbe100644e8ac1397eea747a2d33ab', 1094287082, '287082'],
  [2, '0bacb7fa082fef30782211938bc1c5e70416ff44', 137359152, '359152'],
  [3, '66c28227d03a2d5529262ff016a1e6ef76557ece', 1726969429, '969429'],
  [4, 'a904c900a64b35909874b33e61c5938a8e15ed1c', 1640338314, '338314'],
  [5, 'a37e783d7b7233c083d4f62926c7a25f238d0316', 868254676, '254676'],
  [6, 'bc9cd28561042c83f219324d3c607256c03272ae', 1918287922, '287922'],
  [7, 'a4fb960c0bc06e1eabb804e5b397cdc4b45596fa', 82162583, '162583'],
  [8, '1b3c89f65e6c9e883012052823443f048b4332db', 673399871, '399871'],
  [9, '1637409809a679dc698207310c8c7fc07290d9e5', 645520489, '520489'],
];

test('RFC 4226 Appendix D: HMAC, truncated value and HOTP for counters 0 to 9', () => {
  for (const [counter, hmacHex, truncated, code] of APPENDIX_D) {
    const hmac = hmacCounter(RFC_SECRET, counter, 'SHA1');
    assert.equal(hmac.toString('hex'), hmacHex, `HMAC at ${counter}`);
    assert.equal(dynamicTruncate(hmac), truncated, `truncation at ${counter}`);
    assert.equal(hotp(RFC_SECRET, counter, SHA1_6), code, `HOTP at ${counter}`);
  }
});

test('8-digit codes keep the last 8 decimal digits of the same truncated value', () => {
  for (const [counter, , truncated] of APPENDIX_D) {
    assert.equal(hotp(RFC_SECRET, counter, { algorithm: 'SHA1', digits: 8 }), String(truncated % 1e8).padStart(8, '0'));
  }
  assert.equal(hotp(RFC_SECRET, 2, { algorithm: 'SHA1', digits: 8 }), '37359152');
  assert.equal(hotp(RFC_SECRET, 7, { algorithm: 'SHA1', digits: 8 }), '82162583');
});

test('the counter is hashed as 8 big-endian bytes, high word included above 2^32', () => {
  assert.equal(counterBytes(1).toString('hex'), '0000000000000001');
  assert.equal(counterBytes(2 ** 32 + 5).toString('hex'), '0000000100000005');
  assert.equal(counterBytes(2n ** 64n - 1n).toString('hex'), 'ffffffffffffffff');
  // Expected values computed independently (Python hmac + struct.pack('>Q')).
  const cases: [bigint, string, string][] = [
    [2n ** 32n, '7c9fd37f3b71aad82c508f423de075df9a15fbea', '999456'],
    [2n ** 32n + 5n, '52913fa1e2aea727a57558b8658cb6ef00520190', '250721'],
    [2n ** 40n + 123n, '41dbeb8d460eef2754d302046f58973088e5dfce', '056741'],
    [2n ** 64n - 1n, 'f616fd66b7f06290686b6320ceb34d65b1fe93ea', '094451'],
  ];
  for (const [counter, hmacHex, code] of cases) {
    assert.equal(hmacCounter(RFC_SECRET, counter, 'SHA1').toString('hex'), hmacHex, `HMAC at ${counter}`);
    assert.equal(hotp(RFC_SECRET, counter, SHA1_6), code, `HOTP at ${counter}`);
  }
  // A 32-bit implementation would answer the code of counter 0 / 5 here.
  assert.notEqual(hotp(RFC_SECRET, 2 ** 32, SHA1_6), hotp(RFC_SECRET, 0, SHA1_6));
  assert.equal(hotp(RFC_SECRET, 2 ** 32 + 5, SHA1_6), hotp(RFC_SECRET, 2n ** 32n + 5n, SHA1_6));
});

test('counters outside 0 .. 2^64-1, fractional or unsafe numbers are refused', () => {
  for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53, -1n, 2n ** 64n]) {
    assert.throws(() => hotp(RFC_SECRET, bad, SHA1_6), RangeError, `counter ${String(bad)}`);
  }
});

test('000000 is a real code: counter 349495 of the RFC secret produces it', () => {
  // Found by searching counters offline; WSO2 can never accept this code.
  assert.equal(hotp(RFC_SECRET, 349495, SHA1_6), '000000');
});

test('an empty secret, unknown algorithm or digit count is a fault, not a code', () => {
  assert.throws(() => hotp(Buffer.alloc(0), 0, SHA1_6), /must not be empty/);
  assert.throws(() => hotp(RFC_SECRET, 0, { algorithm: 'MD5' as 'SHA1', digits: 6 }), /algorithm must be one of/);
  assert.throws(() => hotp(RFC_SECRET, 0, { algorithm: 'toString' as 'SHA1', digits: 6 }), /algorithm must be one of/);
  assert.throws(() => hotp(RFC_SECRET, 0, { algorithm: 'SHA1', digits: 7 as 6 }), /digits must be 6 or 8/);
});
