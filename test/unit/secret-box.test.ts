// AES-256-GCM for secrets at rest: round trip, tampering and the wrong key are detected,
// and the key file generated on first start is reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSecretBox, loadEncryptionKey } from '../../src/crypto/secret-box.js';

const key = randomBytes(32);
const box = createSecretBox(key);

test('open returns exactly what seal was given', () => {
  for (const plain of ['', 'client-secret', 'ünïcødé ✓ 🔑', JSON.stringify({ kty: 'RSA', d: 'x'.repeat(2000) })]) {
    assert.equal(box.open(box.seal(plain)), plain);
  }
});

test('sealing hides the plaintext and uses a fresh IV every time', () => {
  const a = box.seal('the same secret');
  const b = box.seal('the same secret');
  assert.notEqual(a, b);
  assert.match(a, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  assert.ok(!a.includes('the same secret') && !Buffer.from(a.split('.')[2]!, 'base64url').toString().includes('same secret'));
});

/** Flips one bit of one base64url part and re-encodes it. */
function flip(sealed: string, part: 1 | 2, byte: number): string {
  const parts = sealed.split('.');
  const raw = Buffer.from(parts[part]!, 'base64url');
  raw[byte < 0 ? raw.length + byte : byte]! ^= 0x01;
  parts[part] = raw.toString('base64url');
  return parts.join('.');
}

test('any change to IV, ciphertext or tag makes open fail', () => {
  const sealed = box.seal('do not touch');
  const tampered = {
    iv: flip(sealed, 1, 0),
    ciphertext: flip(sealed, 2, 0),
    tag: flip(sealed, 2, -1),
    truncated: sealed.slice(0, -4),
    'swapped body': `v1.${sealed.split('.')[1]}.${box.seal('other').split('.')[2]}`,
  };
  for (const [what, value] of Object.entries(tampered)) assert.throws(() => box.open(value), `${what}: detected`);
});

test('a truncated authentication tag is refused, even where GCM would accept a short tag', () => {
  // For an empty secret the body is just the 16-byte tag; its first 4 bytes are a valid
  // 32-bit GCM tag, which Node accepts unless the tag length is pinned.
  const [version, iv, body] = box.seal('').split('.');
  const tag = Buffer.from(body!, 'base64url');
  for (const length of [4, 8, 12, 15]) {
    assert.throws(() => box.open(`${version}.${iv}.${tag.subarray(0, length).toString('base64url')}`), `a ${length}-byte tag`);
  }
  assert.equal(box.open(`${version}.${iv}.${body}`), '');
});

test('a box with another key cannot open the secret', () => {
  const sealed = box.seal('for the right key only');
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed));
  assert.equal(createSecretBox(Buffer.from(key)).open(sealed), 'for the right key only', 'the same key bytes open it');
});

test('an unknown format and a key of the wrong length are refused', () => {
  assert.throws(() => box.open('v2.aaaa.bbbb'), /unknown format/);
  assert.throws(() => box.open('plain text'), /unknown format/);
  assert.throws(() => createSecretBox(randomBytes(16)), /32 bytes/);
});

test('the key is generated once into the data directory (mode 0600) and reused; a configured key wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
  try {
    const dataDir = join(dir, 'data');
    const first = loadEncryptionKey('', dataDir);
    assert.equal(first.length, 32);
    const file = join(dataDir, 'encryption.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadEncryptionKey('', dataDir), first, 'the second start reads the same key');
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first), true);
    const configured = randomBytes(32);
    assert.deepEqual(loadEncryptionKey(configured.toString('base64'), dataDir), configured);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
