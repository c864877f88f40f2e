// The encryption key a process uses on a store, checked against what the store already
// holds before anything is sealed with it. Without the check, a CLI run in a shell without
// the server's GATEHOUSE_SECURITY__ENCRYPTION_KEY generated a new key file, sealed a new
// signing key with it, and the tenant's OIDC endpoints answered 500 from the next restart.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Store } from '../store/connect.js';
import { ConfigError } from '../config/load.js';
import { createSecretBox, type SecretBox } from './secret-box.js';

const KEY_FILE = 'encryption.key';

/**
 * The configured key, else the data directory's key file, else (for a store that holds no
 * sealed secret yet) a new key written to that file. Refused with a ConfigError when the
 * key does not open the store's secrets. Call after migrations, before anything is sealed.
 */
export async function secretsForStore(store: Store, configured: string, dataDir: string): Promise<SecretBox> {
  const file = join(dataDir, KEY_FILE);
  const source = configured ? 'security.encryption_key' : existsSync(file) ? file : undefined;
  const key = configured ? Buffer.from(configured, 'base64') : source ? Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') : randomBytes(32);
  if (key.length !== 32) throw new ConfigError([`${source ?? 'security.encryption_key'}: an encryption key is 32 bytes in base64 (openssl rand -base64 32); this one is ${key.length} bytes`]);
  const box = createSecretBox(key);
  // Every tenant row holds its sealed cookie keys: one row tells whether this key is the store's.
  const sample = await store.db.selectFrom('tenant').select('cookie_keys').limit(1).executeTakeFirst();
  if (sample) {
    try {
      box.open(sample.cookie_keys);
    } catch {
      throw new ConfigError([source
        ? `${source}: this key does not open the secrets already in the store (${store.where}): it is not the key the store was created with. Use the server's key (GATEHOUSE_SECURITY__ENCRYPTION_KEY, or the ${KEY_FILE} file in its data directory)`
        : `the store (${store.where}) already holds sealed secrets, but security.encryption_key is not set and ${file} does not exist: set the key the server uses, or restore the key file`]);
    }
  } else if (!source) {
    mkdirSync(dataDir, { recursive: true });
    // Created exclusively: of two processes starting on a new data directory at once, the
    // second uses the first one's key instead of replacing the file under it.
    try {
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return secretsForStore(store, configured, dataDir);
    }
  }
  return box;
}
