// Tenant signing keys: a usable RS256 key, made without the Node 20 deadlock between the
// key-generation job and exporting its KeyObject (src/tenants/rsa-private-jwk.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { newRsaPrivateJwk } from '../../src/tenants/rsa-private-jwk.js';

const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

test('the JWK is a complete RSA private key of the requested size that signs RS256', () => {
  const jwk = newRsaPrivateJwk();
  assert.equal(jwk.kty, 'RSA');
  for (const member of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) assert.ok(jwk[member], `has ${member}`);
  assert.equal(Buffer.from(jwk.n!, 'base64url').length * 8, 2048);
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = sign('sha256', Buffer.from('payload'), key);
  assert.ok(verify('sha256', Buffer.from('payload'), createPublicKey(key), signature));
  assert.equal(Buffer.from(newRsaPrivateJwk(1024).n!, 'base64url').length * 8, 1024);
  assert.notEqual(newRsaPrivateJwk(1024).n, newRsaPrivateJwk(1024).n, 'a fresh key every time');
});

// The deadlock needs the garbage collector to destroy the finished generation job at one
// moment inside export(): a plain script exporting generateKeyPairSync's KeyObject hung
// within 150 keys under --random-gc-interval=40, but no stress run through this module hit
// that moment reliably. So the condition itself is checked: nothing the job hands out is a
// KeyObject (which would share the job's mutex).
test('key generation hands out bytes, never a KeyObject that shares the generation job\'s mutex', () => {
  const original = crypto.generateKeyPairSync;
  const handedOut: unknown[] = [];
  crypto.generateKeyPairSync = ((...args: Parameters<typeof original>) => {
    const pair = (original as (...a: unknown[]) => { publicKey: unknown; privateKey: unknown })(...args);
    handedOut.push(pair.publicKey, pair.privateKey);
    return pair;
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    newRsaPrivateJwk(1024);
  } finally {
    crypto.generateKeyPairSync = original;
    syncBuiltinESMExports();
  }
  assert.equal(handedOut.length, 2, 'one key pair was generated');
  for (const value of handedOut) assert.ok(!(value instanceof KeyObject), 'DER bytes, not a KeyObject');
});
