// Migrations at start-up, on both stores: a store that already has every migration of this
// build starts without the Migrator; one that lacks some is migrated; one migrated by a
// newer build (a migration this build does not know) is refused, not silently used.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createPgDatabase } from '../helpers/local-services.js';

const names = async (store: Store) =>
  (await sql<{ name: string }>`select name from gatehouse_migration order by name`.execute(store.db)).rows.map((r) => r.name);

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`migrations on ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      if (dialect === 'postgres') {
        const database = await createPgDatabase('gatehouse_migrations');
        store = openStore(database.url, '');
        cleanup = () => database.drop();
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrations-'));
        store = openStore('', dir);
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      }
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    test('a new store gets every migration; a second start changes nothing', async () => {
      await migrateToLatest(store);
      const all = await names(store);
      assert.ok(all.length >= 8, `migrations recorded: ${all.join(', ')}`);
      await store.db.insertInto('tenant').values({ id: 't-1', domain: 'kept.example', display_name: 'Kept', cookie_keys: '[]', created_at: 1 } as never).execute();
      await migrateToLatest(store);
      assert.deepEqual(await names(store), all);
      assert.equal((await store.db.selectFrom('tenant').select('domain').where('id', '=', 't-1').executeTakeFirst())?.domain, 'kept.example');
    });

    test('a store missing the last migration is migrated again', async () => {
      const all = await names(store);
      const last = all.at(-1)!;
      await sql`delete from gatehouse_migration where name = ${last}`.execute(store.db);
      await migrateToLatest(store);
      assert.deepEqual(await names(store), all, `${last} ran again and was recorded`);
    });

    test('a store migrated by a newer build is refused with a clear error', async () => {
      await sql`insert into gatehouse_migration (name, timestamp) values (${'2099_01_01_0001_from_the_future'}, ${new Date().toISOString()})`.execute(store.db);
      await assert.rejects(migrateToLatest(store), /migrated by a newer version of Gatehouse: it has run migration 2099_01_01_0001_from_the_future, which this version does not know/);
      await sql`delete from gatehouse_migration where name = ${'2099_01_01_0001_from_the_future'}`.execute(store.db);
    });
  });
}

test('on SQLite a migration that fails for a reason of its own is reported at once with that reason, not retried', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-full-'));
  const store = openStore('', dir);
  try {
    // A store that cannot grow: the first migration fails part-way ("database or disk is full").
    await sql`PRAGMA max_page_count = 12`.execute(store.db);
    const started = Date.now();
    await assert.rejects(migrateToLatest(store), (err: Error) => /full/.test(err.message));
    assert.ok(Date.now() - started < 400, `reported without the retries meant for another process (${Date.now() - started} ms)`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
