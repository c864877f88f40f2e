// The otpauth:// URI scanned by authenticator apps: exact shape, and issuer/account names
// with spaces, colons, @, & and non-ASCII that must survive the trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, buildOtpauthUri } from '../../src/otp/index.js';

const SECRET = Buffer.from('12345678901234567890', 'ascii');

test('the URI carries label Issuer:account and every parameter', () => {
  const uri = buildOtpauthUri({ issuer: 'Gatehouse', account: 'alice', secret: SECRET, algorithm: 'SHA1', digits: 6, period: 30 });
  assert.equal(
    uri,
    'otpauth://totp/Gatehouse:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30',
  );
  const other = buildOtpauthUri({ issuer: 'Gatehouse', account: 'alice', secret: SECRET, algorithm: 'SHA512', digits: 8, period: 60 });
  assert.match(other, /&algorithm=SHA512&digits=8&period=60$/);
});

test('issuer and account with spaces, colon, @, & and non-ASCII are percent-encoded and round-trip', () => {
  const issuer = 'ACME Corp: R&D Ünït 🔑';
  const account = 'bob.o\'neil+mfa@exämple.com:admin & co/ops?#';
  const uri = buildOtpauthUri({ issuer, account, secret: SECRET, algorithm: 'SHA256', digits: 6, period: 30 });
  assert.equal(
    uri,
    `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}` +
      `?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=${encodeURIComponent(issuer)}&algorithm=SHA256&digits=6&period=30`,
  );
  // Only the separator colon is literal; nothing in the names can split the label or the query.
  const [label, query] = uri.slice('otpauth://totp/'.length).split('?') as [string, string];
  assert.equal(label.split(':').length, 2);
  assert.ok(!/[ @&:/?#]/.test(label.replace(':', '')), label);
  assert.ok(!uri.includes(' ') && /^[\x21-\x7e]+$/.test(uri), 'ASCII only, no spaces');
  assert.ok(uri.includes('ACME%20Corp%3A%20R%26D%20%C3%9Cn%C3%AFt%20%F0%9F%94%91'));

  const [encodedIssuer, encodedAccount] = label.split(':') as [string, string];
  assert.equal(decodeURIComponent(encodedIssuer), issuer);
  assert.equal(decodeURIComponent(encodedAccount), account);

  // A standard URL parser sees the same parameters.
  const parsed = new URL(uri);
  assert.equal(parsed.protocol, 'otpauth:');
  assert.deepEqual(
    [...new URLSearchParams(query).keys()],
    ['secret', 'issuer', 'algorithm', 'digits', 'period'],
  );
  assert.equal(parsed.searchParams.get('issuer'), issuer);
  assert.deepEqual(base32Decode(parsed.searchParams.get('secret')!), SECRET);
});

test('an empty issuer is left out rather than written as ":account"', () => {
  const uri = buildOtpauthUri({ issuer: '', account: 'alice@example.com', secret: SECRET, algorithm: 'SHA1', digits: 6, period: 30 });
  assert.equal(uri, 'otpauth://totp/alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30');
});

test('missing account or secret and bad parameters are faults', () => {
  const base = { issuer: 'Gatehouse', account: 'alice', secret: SECRET, algorithm: 'SHA1', digits: 6, period: 30 } as const;
  assert.throws(() => buildOtpauthUri({ ...base, account: '' }), /account/);
  assert.throws(() => buildOtpauthUri({ ...base, secret: Buffer.alloc(0) }), /secret/);
  assert.throws(() => buildOtpauthUri({ ...base, digits: 7 as 6 }), /digits/);
  assert.throws(() => buildOtpauthUri({ ...base, period: 0 }), /period/);
  assert.throws(() => buildOtpauthUri({ ...base, algorithm: 'sha1' as 'SHA1' }), /algorithm/);
});
