// A real Gatehouse on loopback for tests: real SQLite (temp dir) or a fresh PostgreSQL
// database, real HTTP, the real bootstrap. Close it in t.after / after().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { bootstrap } from '../../src/tenants/bootstrap.js';
import { buildApp } from '../../src/http/app.js';
import type { Deps } from '../../src/deps.js';
import type { ProviderRegistry } from '../../src/oidc/registry.js';
import type { Tenant } from '../../src/tenants/tenant.js';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };
export const PG_ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface StartOptions {
  dialect?: Dialect;
  overrides?: Record<string, unknown>;
  clock?: Clock;
  logLevel?: string;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dialect = options.dialect ?? 'sqlite';
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const pgDb = dialect === 'postgres' ? await createPgDatabase() : undefined;
  const overrides = {
    ...options.overrides,
    server: { port, host: '127.0.0.1', data_dir: dataDir, base_url: `http://127.0.0.1:${port}`, ...(options.overrides?.server as object | undefined) },
    database: { url: pgDb?.url ?? '' },
    super_admin: ADMIN,
  };
  const config = loadConfig({ env: {}, overrides });
  const store = openStore(config.database.url, config.server.data_dir);
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
