// A real Gatehouse on loopback for tests: real SQLite (temp dir) or a fresh PostgreSQL
// database, real HTTP, the real bootstrap. Close it in t.after / after().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, createPgDatabase } from './local-services.js';
import { trackServer } from './hang-report.js';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { openStore, type StoreOptions } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { bootstrap } from '../../src/tenants/bootstrap.js';
import { buildApp } from '../../src/http/app.js';
import type { Deps } from '../../src/deps.js';
import type { ProviderRegistry } from '../../src/oidc/registry.js';
import type { Tenant } from '../../src/tenants/tenant.js';

export { freePort, createPgDatabase, PG_ADMIN_URL } from './local-services.js';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };

export type Dialect = 'sqlite' | 'postgres';

export interface TestServer {
  url: string;
  deps: Deps;
  app: FastifyInstance;
  providers: ProviderRegistry;
  tenant: Tenant;
  adminAuth: string;
  close(): Promise<void>;
}

export interface StartOptions {
  dialect?: Dialect;
  overrides?: Record<string, unknown>;
  clock?: Clock;
  logLevel?: string;
  /** PostgreSQL: reach the test database by another URL (through a proxy in front of it). */
  routePg?: (url: string) => string;
  storeOptions?: StoreOptions;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  // Held while the store and the app are set up (hundreds of ms): with freePort, a server
  // started alongside could be given the same port meanwhile. Released whatever happens,
  // or a set-up that failed would keep the test process alive.
  const reserved = await reservePort();
  try {
    return await startOn(reserved, options);
  } finally {
    await reserved.release();
  }
}

async function startOn(reserved: Awaited<ReturnType<typeof reservePort>>, options: StartOptions): Promise<TestServer> {
  const dialect = options.dialect ?? 'sqlite';
  const port = reserved.port;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const pgDb = dialect === 'postgres' ? await createPgDatabase() : undefined;
  const overrides = {
    ...options.overrides,
    server: { port, host: '127.0.0.1', data_dir: dataDir, base_url: `http://127.0.0.1:${port}`, ...(options.overrides?.server as object | undefined) },
    database: { url: pgDb ? options.routePg?.(pgDb.url) ?? pgDb.url : '' },
    super_admin: ADMIN,
  };
  const config = loadConfig({ env: {}, overrides });
  const store = openStore(config.database.url, config.server.data_dir, undefined, undefined, options.storeOptions);
  const deps: Deps = {
    config,
    store,
    clock: options.clock ?? systemClock,
    logger: createLogger(options.logLevel ?? process.env.GATEHOUSE_TEST_LOG ?? 'silent'),
    secrets: createSecretBox(Buffer.alloc(32, 7)),
  };
  await migrateToLatest(store);
  const { tenant } = await bootstrap(deps);
  const { app, providers } = await buildApp(deps);
  trackServer(app.server, `${dialect} server :${port}`);
  await reserved.release();
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url: config.server.base_url,
    deps,
    app,
    providers,
    tenant,
    adminAuth: basicAuth(ADMIN.username, ADMIN.password),
    async close() {
      await app.close();
      await store.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const basicAuth = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** The dialects to run store-dependent tests on (GATEHOUSE_TEST_DIALECTS=sqlite to skip PostgreSQL). */
export const DIALECTS: Dialect[] = (process.env.GATEHOUSE_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[];
