// A PostgreSQL connection dropped by the server while idle (restart, failover, an
// administrator's pg_terminate_backend) must not crash the process; the next query reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/connect.js';
import { createPgDatabase, PG_ADMIN_URL } from '../helpers/local-services.js';
import { DIALECTS } from '../helpers/test-server.js';

test('an idle PostgreSQL connection killed by the server is reported, not fatal, and the store keeps working', { skip: !DIALECTS.includes('postgres') }, async () => {
  const database = await createPgDatabase();
  const lost: Error[] = [];
  const store = openStore(database.url, '/nonexistent', 2, (err) => lost.push(err));
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
    const pid = before.rows[0]!.pid;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await admin.end();
    for (let i = 0; i < 50 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(uncaught.length, 0, 'no uncaught exception');
    assert.equal(lost.length, 1, 'the lost connection was reported once');
    const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
    assert.notEqual(after.rows[0]!.pid, pid, 'a new connection serves the next query');
  } finally {
    process.off('uncaughtException', onUncaught);
    await store.close();
    await database.drop();
  }
});
