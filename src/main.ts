// Process entry: config, store, migrations, first-start bootstrap, listen, graceful stop.
import { loadConfig, ConfigError } from './config/load.js';
import { openStore } from './store/connect.js';
import { migrateToLatest } from './store/migrate.js';
import { createLogger } from './logger.js';
import { checkKeyOpensStore, keySource, secretsForStore } from './crypto/store-secrets.js';
import { systemClock } from './clock.js';
import { bootstrap } from './tenants/bootstrap.js';
import type { Deps } from './deps.js';

const USAGE = 'usage: gatehouse-server [--config gatehouse.toml]   (every setting also from GATEHOUSE_* environment variables; see docs/configuration.md)';

/** The server takes --config and nothing else: a mistyped option must not start it on defaults. */
function checkArguments(argv: string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (arg === '--config') { i++; continue; }
    if (arg.startsWith('--config=')) continue;
    process.stderr.write(`gatehouse: unknown argument ${JSON.stringify(arg)} (the server takes only --config <file>; --help)\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  checkArguments(process.argv.slice(2));
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2) });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`gatehouse: invalid configuration: ${problem}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logging.level);
  const store = openStore(config.database.url, config.server.data_dir, config.database.pool_size,
    (err) => logger.warn({ err: err.message }, 'database connection lost; it will be reopened'),
    { preparedStatements: config.database.prepared_statements });
  await migrateToLatest(store);
  let secrets;
  let first;
  try {
    const key = await secretsForStore(store, config.security.encryption_key, config.server.data_dir);
    secrets = key.secrets;
    first = await bootstrap({ config, store, clock: systemClock, logger, secrets });
    // Another node may have sealed the store's first secrets with its own key meanwhile.
    if (!key.checked && !first.firstStart) await checkKeyOpensStore(store, secrets, keySource(config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`gatehouse: invalid configuration: ${problem}\n`);
    await store.close();
    process.exit(2);
  }
  const deps: Deps = { config, store, clock: systemClock, logger, secrets };
  // Loaded after the config is known good, so a config error is the only line printed
  // (oidc-provider warns about the Node 20 runtime as soon as it is imported).
  const { buildApp } = await import('./http/app.js');
  const { purgeExpired } = await import('./oidc/adapter.js');
  const { purgeSendAttempts } = await import('./notifications/send-limit.js');
  const { purgeAuditEvents } = await import('./audit/audit.service.js');
  const { app } = await buildApp(deps);
  await app.listen({ port: config.server.port, host: config.server.host });

  const base = config.server.base_url;
  const lines = [
    '',
    `Gatehouse is running on ${store.where}`,
    `  server:     ${base}/`,
    `  discovery:  ${first.tenant.issuer}/.well-known/openid-configuration`,
    `  console:    ${base}/console`,
    `  admin API:  ${base}/api/server/v1/applications · users: ${base}/scim2/Users`,
  ];
  const smtp = config.output_adapter.email;
  lines.push(smtp.hostname
    ? `  email:      SMTP ${smtp.hostname}:${smtp.port} (tenants may set their own sender)`
    : `  email:      no SMTP server configured: email goes to the outbox (development only; it holds sign-in codes): ${base}/api/server/v1/notification-senders/email/outbox`);
  if (first.firstStart && first.adminUsername) {
    lines.push(`  super administrator: ${first.adminUsername} (password ${first.adminSource})`);
    if (first.generatedPassword) lines.push(`  password: ${first.generatedPassword}   <- shown only now; set GATEHOUSE_ADMIN_PASSWORD to choose one`);
  } else if (!first.firstStart) {
    lines.push('  super administrator: as created on first start (GATEHOUSE_ADMIN_USERNAME / GATEHOUSE_ADMIN_PASSWORD or [super_admin])');
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  const purge = setInterval(() => {
    purgeExpired(store.db, systemClock).catch((err: unknown) => logger.warn({ err }, 'purging expired rows failed'));
    purgeAuditEvents(deps).catch((err: unknown) => logger.warn({ err }, 'purging old audit events failed'));
    purgeSendAttempts(store.db, config.authentication.authenticator.totp.email_code.window_seconds, Math.floor(Date.now() / 1000))
      .catch((err: unknown) => logger.warn({ err }, 'purging old send attempts failed'));
  }, 60_000);
  purge.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(purge);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`gatehouse: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
