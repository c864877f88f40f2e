// Administration under concurrency, as several nodes sharing one store see it: a tenant is
// visible with its signing key or not at all, a refused tenant never shows, concurrent
// changes of different TOTP parameters both stay, and two first starts on one empty store
// both succeed. Each was broken before (found with two nodes on one PostgreSQL).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createPgDatabase, DIALECTS, ADMIN, type TestServer } from '../helpers/test-server.js';
import { api } from '../helpers/api.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { checkKeyOpensStore, keySource, secretsForStore } from '../../src/crypto/store-secrets.js';
import { openStore } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createLogger } from '../../src/logger.js';
import { systemClock } from '../../src/clock.js';
import { bootstrap } from '../../src/tenants/bootstrap.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PARAMS = '/api/server/v1/authenticators/totp/parameters';

/** Fetches `path` over and over until `done` resolves; every answer's status and body. */
async function pollWhile(server: TestServer, path: string, done: Promise<unknown>): Promise<Array<{ status: number; body: string }>> {
  let finished = false;
  void done.finally(() => { finished = true; });
  const seen: Array<{ status: number; body: string }> = [];
  while (!finished) {
    const res = await fetch(`${server.url}${path}`);
    seen.push({ status: res.status, body: await res.text() });
  }
  return seen;
}

for (const dialect of DIALECTS) {
  describe(`administration under concurrency (${dialect})`, () => {
    let server: TestServer;
    before(async () => { server = await startServer({ dialect }); });
    after(() => server.close());

    test('a tenant being created answers 404 or serves its signing key, never an empty key set', async () => {
      for (const domain of ['race-one.example', 'race-two.example', 'race-three.example']) {
        const created = api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain, owner: { username: 'owner', password: 'owner-Passw0rd-1' } } });
        const seen = await pollWhile(server, `/t/${domain}/oauth2/jwks`, created);
        assert.equal((await created).status, 201);
        for (const answer of seen) {
          if (answer.status === 200) assert.ok((JSON.parse(answer.body) as { keys: unknown[] }).keys.length > 0, `${domain}: a JWKS without keys`);
          else assert.equal(answer.status, 404);
        }
        const jwks = await (await fetch(`${server.url}/t/${domain}/oauth2/jwks`)).json() as { keys: unknown[] };
        assert.equal(jwks.keys.length, 1);
      }
    });

    test('a tenant whose owner is refused is never visible, not even while the request runs', async () => {
      const refused = api(server, 'POST', '/api/server/v1/tenants', { auth: server.adminAuth, body: { domain: 'ghost.example', owner: { username: 'owner', password: 'short' } } });
      const seen = await pollWhile(server, '/t/ghost.example/oauth2/token/.well-known/openid-configuration', refused);
      assert.equal((await refused).status, 400);
      assert.deepEqual([...new Set(seen.map((s) => s.status))].filter((s) => s !== 404), [], 'discovery never answered for it');
    });

    test('concurrent changes of different TOTP parameters both stay (20 rounds)', async () => {
      for (let round = 0; round < 20; round++) {
        const windowSize = 1 + (round % 5);
        const digits = round % 2 ? 8 : 6;
        const [a, b] = await Promise.all([
          api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { windowSize } }),
          api(server, 'PUT', PARAMS, { auth: server.adminAuth, body: { digits } }),
        ]);
        assert.equal(a.status, 200, JSON.stringify(a.body));
        assert.equal(b.status, 200, JSON.stringify(b.body));
        const stored = await server.deps.store.db.selectFrom('tenant_setting').select('value')
          .where('tenant_id', '=', server.tenant.id).where('name', '=', 'authenticator.totp.parameters').executeTakeFirstOrThrow();
        assert.deepEqual(JSON.parse(stored.value), { windowSize, digits }, `round ${round + 1}`);
      }
    });

    // On SQLite two connections in one process would wait on each other inside one thread
    // (better-sqlite3 is synchronous); several processes are covered in cli.test.ts.
    test('two first starts at once on one empty store both succeed: one default tenant, one administrator', { skip: dialect === 'sqlite' && 'one process cannot hold two SQLite writers; see cli.test.ts' }, async () => {
      const database = dialect === 'postgres' ? await createPgDatabase() : undefined;
      const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-first-'));
      const config = loadConfig({ env: {}, overrides: { server: { data_dir: dataDir }, database: { url: database?.url ?? '' }, super_admin: ADMIN } });
      const stores = [openStore(config.database.url, dataDir), openStore(config.database.url, dataDir)];
      try {
        await Promise.all(stores.map((store) => migrateToLatest(store)));
        const secrets = createSecretBox(Buffer.alloc(32, 9));
        const results = await Promise.all(stores.map((store) => bootstrap({ config, store, secrets, clock: systemClock, logger: createLogger('silent') })));
        assert.equal(results[0]!.tenant.id, results[1]!.tenant.id);
        assert.equal(results.filter((r) => r.firstStart).length, 1, 'one of them made the store');
        const db = stores[0]!.db;
        assert.equal((await db.selectFrom('tenant').select('id').execute()).length, 1);
        assert.equal((await db.selectFrom('app_user').select('id').where('username', '=', ADMIN.username).execute()).length, 1);
      } finally {
        for (const store of stores) await store.close();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    test('two first starts at once with no shared key (each its own data directory): one starts, the other is refused with exit-2 material', { skip: dialect === 'sqlite' && 'one SQLite file is one data directory' }, async () => {
      const database = await createPgDatabase();
      const dirs = [mkdtempSync(join(tmpdir(), 'gatehouse-own-key-')), mkdtempSync(join(tmpdir(), 'gatehouse-own-key-'))];
      const stores = dirs.map(() => openStore(database.url, ''));
      try {
        const start = async (store: typeof stores[number], dataDir: string) => {
          const config = loadConfig({ env: {}, overrides: { server: { data_dir: dataDir }, database: { url: database.url }, super_admin: ADMIN } });
          await migrateToLatest(store);
          const { secrets, checked } = await secretsForStore(store, '', dataDir);
          const first = await bootstrap({ config, store, secrets, clock: systemClock, logger: createLogger('silent') });
          if (!checked && !first.firstStart) await checkKeyOpensStore(store, secrets, keySource(config));
          return first;
        };
        const results = await Promise.allSettled(stores.map((store, i) => start(store, dirs[i]!)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(refused.reason instanceof ConfigError, String(refused.reason));
        assert.match(refused.reason.problems[0] ?? '', /does not open the secrets already in the store|already holds sealed secrets/);
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
