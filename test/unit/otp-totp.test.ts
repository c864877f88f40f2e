// TOTP (RFC 6238) and its verification window: the Appendix B vectors, WSO2 windowSize
// semantics, code format checks, 000000, and which step a match reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codesEqual,
  hotp,
  isWellFormedCode,
  timeStep,
  totp,
  verifyTotp,
  windowOffsets,
  type OtpAlgorithm,
  type VerifyTotpInput,
} from '../../src/otp/index.js';

// RFC 6238 Appendix B: a different seed per hash, each the size of that hash's output.
const SEEDS: Record<OtpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

const APPENDIX_B: [number, number, Record<OtpAlgorithm, string>][] = [
  [59, 0x1, { SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' }],
  [1111111109, 0x23523ec, { SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' }],
  [1111111111, 0x23523ed, { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' }],
  [1234567890, 0x273ef07, { SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' }],
  [2000000000, 0x3f940aa, { SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' }],
  [20000000000, 0x27bc86aa, { SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' }],
];

test('RFC 6238 Appendix B: all 18 values (SHA1, SHA256, SHA512; 8 digits; 30 s)', () => {
  let checked = 0;
  for (const [seconds, step, codes] of APPENDIX_B) {
    assert.equal(timeStep(seconds, 30), step, `T at ${seconds}`);
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      assert.equal(totp(SEEDS[algorithm], seconds, { algorithm, digits: 8, period: 30 }), codes[algorithm], `${algorithm} at ${seconds}`);
      checked += 1;
    }
  }
  assert.equal(checked, 18);
});

test('the Appendix B codes verify, and report their time step', () => {
  for (const [seconds, step, codes] of APPENDIX_B) {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const input = { secret: SEEDS[algorithm], code: codes[algorithm], unixSeconds: seconds, period: 30, digits: 8, algorithm, windowSize: 1 } as const;
      assert.equal(verifyTotp(input), step, `${algorithm} at ${seconds}`);
      // The same code under another hash (same seed) is wrong.
      const other = algorithm === 'SHA1' ? 'SHA256' : 'SHA1';
      assert.equal(verifyTotp({ ...input, algorithm: other }), null, `${algorithm} code under ${other}`);
    }
  }
});

test('a time step spans [k*period, (k+1)*period) and fractional seconds are fine', () => {
  assert.equal(timeStep(0, 30), 0);
  assert.equal(timeStep(29.999, 30), 0);
  assert.equal(timeStep(30, 30), 1);
  assert.equal(timeStep(119, 60), 1);
  assert.equal(timeStep(120, 60), 2);
  for (const bad of [-1, Number.NaN, Infinity]) assert.throws(() => timeStep(bad, 30), RangeError);
  for (const bad of [0, -30, 1.5, Number.NaN]) assert.throws(() => timeStep(100, bad), /period must be/);
});

test('windowSize is the total number of steps: 1 → {0}, 3 → {-1..+1}, 4 → {-1..+2}', () => {
  assert.deepEqual(windowOffsets(1), [0]);
  assert.deepEqual(windowOffsets(2), [0, 1]);
  assert.deepEqual(windowOffsets(3), [-1, 0, 1]);
  assert.deepEqual(windowOffsets(4), [-1, 0, 1, 2]);
  assert.deepEqual(windowOffsets(5), [-2, -1, 0, 1, 2]);
  for (const bad of [0, -1, 2.5, Number.NaN]) assert.throws(() => windowOffsets(bad), /window size/);
});

const SECRET = SEEDS.SHA1;
const SHA1_6 = { algorithm: 'SHA1', digits: 6 } as const;

for (const period of [30, 60]) {
  test(`verification accepts exactly the steps of the window (period ${period} s)`, () => {
    const now = 54_321_000 * period + period / 2; // the middle of step 54_321_000
    const current = timeStep(now, period);
    assert.equal(current, 54_321_000);
    const codeAt = (offset: number) => hotp(SECRET, current + offset, SHA1_6);
    // The test is only meaningful if the neighbouring steps have different codes.
    assert.equal(new Set([-2, -1, 0, 1, 2, 3].map(codeAt)).size, 6);
    const verify = (offset: number, windowSize: number) =>
      verifyTotp({ secret: SECRET, code: codeAt(offset), unixSeconds: now, period, ...SHA1_6, windowSize });

    const expected: Record<number, number[]> = { 1: [0], 3: [-1, 0, 1], 4: [-1, 0, 1, 2] };
    for (const [windowSize, accepted] of Object.entries(expected)) {
      for (const offset of [-2, -1, 0, 1, 2, 3]) {
        const want: number | null = accepted.includes(offset) ? current + offset : null;
        assert.equal(verify(offset, Number(windowSize)), want, `w=${windowSize}, offset ${offset}`);
      }
    }
  });
}

test('the step boundary moves with the period: a 30 s code is not a 60 s code', () => {
  const now = 1_700_000_015; // step 56_666_667 at 30 s, 28_333_333 at 60 s
  const code30 = totp(SECRET, now, { ...SHA1_6, period: 30 });
  const code60 = totp(SECRET, now, { ...SHA1_6, period: 60 });
  assert.notEqual(code30, code60);
  const base = { secret: SECRET, unixSeconds: now, ...SHA1_6, windowSize: 3 };
  assert.equal(verifyTotp({ ...base, code: code60, period: 60 }), 28_333_333);
  assert.equal(verifyTotp({ ...base, code: code30, period: 30 }), 56_666_667);
  assert.equal(verifyTotp({ ...base, code: code30, period: 60 }), null);
});

test('a code that is not exactly `digits` ASCII digits is refused', () => {
  const now = 1_700_000_000;
  const good = totp(SECRET, now, { ...SHA1_6, period: 30 });
  const base = { secret: SECRET, unixSeconds: now, period: 30, ...SHA1_6, windowSize: 3 };
  assert.equal(verifyTotp({ ...base, code: good }), timeStep(now, 30));
  const bad = [
    '', good.slice(1), `${good}0`, `0${good}`, ` ${good}`, `${good} `, `${good.slice(0, 3)} ${good.slice(3)}`,
    `+${good.slice(1)}`, `-${good.slice(1)}`, 'abcdef', '12e456', '0x1234', '１２３４５６', '١٢٣٤٥٦', `${good}\n`,
  ];
  for (const code of bad) {
    assert.equal(isWellFormedCode(code, 6), false, JSON.stringify(code));
    assert.equal(verifyTotp({ ...base, code }), null, JSON.stringify(code));
  }
  // Form bodies can carry arrays or numbers where a string was expected.
  for (const code of [123456, ['123456'], null, undefined]) assert.equal(isWellFormedCode(code, 6), false);
  // The 8-digit code is refused where 6 are configured, and vice versa.
  const eight = totp(SECRET, now, { algorithm: 'SHA1', digits: 8, period: 30 });
  assert.equal(verifyTotp({ ...base, code: eight }), null);
  assert.equal(verifyTotp({ ...base, code: good, digits: 8 }), null);
  assert.equal(verifyTotp({ ...base, code: eight, digits: 8 }), timeStep(now, 30));
});

test('000000 is accepted when it is the right code', () => {
  const step = 349495; // hotp(RFC secret, 349495) === '000000', see otp-hotp.test.ts
  assert.equal(hotp(SECRET, step, SHA1_6), '000000');
  const input: VerifyTotpInput = { secret: SECRET, code: '000000', unixSeconds: step * 30 + 7, period: 30, ...SHA1_6, windowSize: 3 };
  assert.equal(verifyTotp(input), step);
  assert.equal(verifyTotp({ ...input, unixSeconds: (step + 1) * 30 }), step, 'one step late, within the window');
  assert.equal(verifyTotp({ ...input, unixSeconds: (step + 2) * 30 }), null, 'two steps late');
});

test('when two steps in the window share the code, the latest step is reported', () => {
  // Counters 910737 and 910738 of the RFC secret both give 911617 (found offline). Reporting
  // the earlier step would let the code pass a "step > last used" replay check a second time.
  assert.equal(hotp(SECRET, 910737, SHA1_6), '911617');
  assert.equal(hotp(SECRET, 910738, SHA1_6), '911617');
  const input = { secret: SECRET, code: '911617', period: 30, ...SHA1_6, windowSize: 3 };
  assert.equal(verifyTotp({ ...input, unixSeconds: 910737 * 30 }), 910738);
  assert.equal(verifyTotp({ ...input, unixSeconds: 910738 * 30 }), 910738);
  assert.equal(verifyTotp({ ...input, unixSeconds: 910739 * 30 }), 910738);
});

test('steps before the epoch are skipped, not an error', () => {
  const code = hotp(SECRET, 0, SHA1_6);
  assert.equal(verifyTotp({ secret: SECRET, code, unixSeconds: 5, period: 30, ...SHA1_6, windowSize: 5 }), 0);
});

test('bad settings throw even when the code is malformed', () => {
  const base = { secret: SECRET, code: 'nope', unixSeconds: 1_700_000_000, period: 30, ...SHA1_6, windowSize: 3 };
  assert.throws(() => verifyTotp({ ...base, windowSize: 0 }), /window size/);
  assert.throws(() => verifyTotp({ ...base, period: 0 }), /period/);
  assert.throws(() => verifyTotp({ ...base, digits: 7 as 6 }), /digits/);
  assert.throws(() => verifyTotp({ ...base, algorithm: 'MD5' as 'SHA1' }), /algorithm/);
});

test('codesEqual: equal strings only, including different lengths', () => {
  assert.equal(codesEqual('123456', '123456'), true);
  assert.equal(codesEqual('000000', '000000'), true);
  assert.equal(codesEqual('123456', '123457'), false);
  assert.equal(codesEqual('123456', '12345'), false);
  assert.equal(codesEqual('12345', '123456'), false);
  assert.equal(codesEqual('', ''), true);
  assert.equal(codesEqual('', '1'), false);
  assert.equal(codesEqual('é', 'e'), false);
});
