// The encryption key a process uses on a store, checked against what the store already
// holds before anything is sealed with it. Without the check, a CLI run in a shell without
// the server's GATEHOUSE_SECURITY__ENCRYPTION_KEY generated a new key file, sealed a new
// signing key with it, and the tenant's OIDC endpoints answered 500 from the next restart.
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Store } from '../store/connect.js';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createSecretBox, decodeKey, type SecretBox } from './secret-box.js';

const KEY_FILE = 'encryption.key';

/**
 * The configured key, else the data directory's key file, else (for a store that holds no
 * sealed secret yet) a new key written to that file. Refused with a ConfigError when the
 * key does not open the store's secrets. Call after migrations, before anything is sealed.
 * `checked: false` (the store held no secret yet): call checkKeyOpensStore after the
 * bootstrap, when it did not create the store (another process sealed its first secrets,
 * perhaps with another key).
 */
export async function secretsForStore(store: Store, configured: string, dataDir: string): Promise<{ secrets: SecretBox; checked: boolean }> {
  const file = join(dataDir, KEY_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    const source = configured ? 'security.encryption_key' : existsSync(file) ? file : undefined;
    const key = configured ? decodeKey(configured) : source ? decodeKey(readFileSync(file, 'utf8')) : randomBytes(32);
    if (key.length !== 32) throw new ConfigError([`${source ?? 'security.encryption_key'}: an encryption key is 32 bytes in base64 (openssl rand -base64 32); this one is ${key.length} bytes`]);
    const box = createSecretBox(key);
    const found = await checkKeyOpensStore(store, box, source ?? file);
    // Of two processes starting on a new data directory at once, the second uses the
    // first one's key instead of replacing the file under it.
    if (found === 'empty' && !source && !createKeyFile(dataDir, file, key)) continue;
    return { secrets: box, checked: found === 'opens' };
  }
  // Still "missing" yet not creatable: a dangling symlink (a secret not mounted yet) or a loop.
  throw new ConfigError([`${file}: cannot be read or created (a broken symbolic link?); restore it, or set security.encryption_key`]);
}

/** Where this process's key comes from, as checkKeyOpensStore names it. */
export const keySource = (config: Config): string =>
  (config.security.encryption_key ? 'security.encryption_key' : join(config.server.data_dir, KEY_FILE));

/** 'opens' or 'empty' (no sealed secret yet); throws a ConfigError naming `source` when the key does not fit. */
export async function checkKeyOpensStore(store: Store, box: SecretBox, source: string): Promise<'opens' | 'empty'> {
  // Every tenant row holds its sealed cookie keys: one row tells whether this key is the store's.
  const sample = await store.db.selectFrom('tenant').select('cookie_keys').limit(1).executeTakeFirst();
  if (!sample) return 'empty';
  try {
    box.open(sample.cookie_keys);
    return 'opens';
  } catch {
    throw new ConfigError([source.endsWith(KEY_FILE) && !existsSync(source)
      ? `the store (${store.where}) already holds sealed secrets, but security.encryption_key is not set and ${source} does not exist: set the key the server uses, or restore the key file`
      : `${source}: this key does not open the secrets already in the store (${store.where}): it is not the key the store was created with. Use the server's key (GATEHOUSE_SECURITY__ENCRYPTION_KEY, or the ${KEY_FILE} file in its data directory)`]);
  }
}

/**
 * Writes the key under a temporary name, then links it into place: the link fails when the
 * name exists (another process was first: false) and never shows a half-written file.
 */
function createKeyFile(dataDir: string, file: string, key: Buffer): boolean {
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}
