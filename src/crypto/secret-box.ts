// AES-256-GCM for secrets at rest (signing keys, cookie keys, client secrets).
// Stored form: "v1.<iv>.<ciphertext+tag>" in base64url, so a key change is detectable.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * A keyed hash (HMAC-SHA256 under a key derived from the encryption key) for short
   * secrets that are only ever compared, like an emailed code: a copy of the database
   * alone does not let anyone try the million 6-digit values.
   */
  digest(purpose: string, value: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('security.encryption_key must be 32 bytes (base64)');
  const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'gatehouse digest v1', 32));
  return {
    digest(purpose, value) {
      return createHmac('sha256', macKey).update(purpose).update('\0').update(value).digest('base64url');
    },
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      const [version, iv, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !body) throw new Error('sealed secret has an unknown format');
      const raw = Buffer.from(body, 'base64url');
      // Only full 16-byte tags: GCM would otherwise accept a truncated (forgeable) tag.
      if (raw.length < 16) throw new Error('sealed secret is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}

/** What an operator may paste as a key: base64 or base64url, padded or not, with stray whitespace. */
export const decodeKey = (text: string): Buffer => Buffer.from(text.trim(), 'base64');

/**
 * The configured key, or the data directory's key file (generated when missing). For tools
 * that open a store a server made (the bench, tests); the server and the CLI use
 * secretsForStore (store-secrets.ts), which also checks the key against the store.
 */
export function loadEncryptionKey(configured: string, dataDir: string): Buffer {
  if (configured) return decodeKey(configured);
  const file = join(dataDir, 'encryption.key');
  if (existsSync(file)) return decodeKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}
