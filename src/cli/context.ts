// Opens what a CLI command needs exactly as the server does at start-up: the same config,
// the same store and encryption key, migrations and the first-start bootstrap, so the CLI
// works on a fresh data directory before the server has ever run.
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { openStore } from '../store/connect.js';
import { migrateToLatest } from '../store/migrate.js';
import { createLogger } from '../logger.js';
import { checkKeyOpensStore, keySource, secretsForStore } from '../crypto/store-secrets.js';
import { systemClock } from '../clock.js';
import { bootstrap } from '../tenants/bootstrap.js';
import type { Deps } from '../deps.js';
import type { Output } from './output.js';

export interface CliContext {
  deps: Deps;
  close(): Promise<void>;
}

export async function openContext(argv: string[], out: Output, env: Record<string, string | undefined>): Promise<CliContext> {
  const config = loadConfig({ argv, env });
  // Logs go to stderr so that stdout carries only the command's answer.
  const level = config.logging.level === 'info' ? 'warn' : config.logging.level;
  const logger = createLogger(level, pino.destination({ dest: 2, sync: true }));
  const store = openStore(config.database.url, config.server.data_dir, config.database.pool_size, undefined, { preparedStatements: config.database.prepared_statements });
  try {
    await migrateToLatest(store);
    const { secrets, checked } = await secretsForStore(store, config.security.encryption_key, config.server.data_dir);
    const deps: Deps = { config, store, clock: systemClock, logger, secrets };
    const first = await bootstrap(deps);
    // Another process may have sealed the store's first secrets with its own key meanwhile.
    if (!checked && !first.firstStart) await checkKeyOpensStore(store, secrets, keySource(config));
    if (first.firstStart) {
      // The store was created just now: say so, and hand over a generated password, which
      // exists nowhere else.
      out.note(`gatehouse: initialised a new store on ${store.where} (tenant ${first.tenant.domain})`);
      if (first.adminUsername) out.note(`gatehouse: super administrator ${first.adminUsername} (password ${first.adminSource})`);
      if (first.generatedPassword) out.note(`gatehouse: password: ${first.generatedPassword}   <- shown only now`);
    }
    return { deps, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
