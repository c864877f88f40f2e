// The embedded SQLite store's two speed-ups keep it correct: each SQL text is prepared
// once and reused, and the write-ahead log is copied back into the database file by a
// worker thread, not by the commits.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';

const row = (i: number, payload: string) => ({
  tenant_id: 'tenant-a', kind: 'AccessToken', id: `token-${i}`, payload, grant_id: null, user_code: null, uid: null, expires_at: null, consumed_at: null,
});

describe('SQLite store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
    store = openStore('', dir);
    await migrateToLatest(store);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a prepared statement that failed is reused afterwards', async () => {
    const insert = (i: number) => store.db.insertInto('oidc_model').values(row(i, '{}')).execute();
    await insert(1);
    await assert.rejects(insert(1), /UNIQUE/, 'same key: refused');
    await insert(2);
    await assert.rejects(insert(2), /UNIQUE/);
    for (let i = 3; i < 6; i++) await insert(i);
    const ids = await store.db.selectFrom('oidc_model').select('id').where('tenant_id', '=', 'tenant-a').orderBy('id').execute();
    assert.deepEqual(ids.map((r) => r.id), ['token-1', 'token-2', 'token-3', 'token-4', 'token-5']);
  });

  test('the log is checkpointed into the database file in the background, and removed on close', async () => {
    const file = join(dir, 'gatehouse.db');
    const problems: string[] = [];
    store.checkpointInBackground!((problem) => problems.push(problem));
    const before = statSync(file).size;
    // About 3 MB: far below the 40 MB at which the server's own connection would checkpoint.
    const payload = JSON.stringify({ filler: 'x'.repeat(3000) });
    for (let i = 100; i < 1100; i++) await store.db.insertInto('oidc_model').values(row(i, payload)).execute();
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 2_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size >= before + 2_000_000, `database file grew from ${before} to ${statSync(file).size} bytes: the worker copied the log into it`);
    assert.deepEqual(problems, []);
    const count = await store.db.selectFrom('oidc_model').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1005);
    await store.close();
    assert.equal(existsSync(`${file}-wal`), false, 'the last connection to close checkpointed and removed the log');
    store = openStore('', dir);
    const again = await store.db.selectFrom('oidc_model').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(again.n), 1005, 'every row survived the close');
  });
});
