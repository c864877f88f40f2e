// PostgreSQL specifics of the store: named (prepared) statements, and plans that do not
// depend on statistics the table may not have yet.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createPgDatabase } from '../helpers/local-services.js';
import { DIALECTS } from '../helpers/test-server.js';

describe('PostgreSQL statements', { skip: !DIALECTS.includes('postgres') }, () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let store: Store;
  before(async () => {
    database = await createPgDatabase();
    // One connection, so every query below runs on the connection that prepared it.
    store = openStore(database.url, '/nonexistent', 1);
    await migrateToLatest(store);
    await store.db.insertInto('tenant').values({ id: 't1', domain: 'one.example', display_name: 'One', cookie_keys: '[]', created_at: 0 }).execute();
  });
  after(async () => {
    await store.close();
    await database.drop();
  });

  const userById = (id: string) => store.db.selectFrom('app_user').selectAll().where('tenant_id', '=', 't1').where('id', '=', id).executeTakeFirst();

  test('a statement prepared before another node changed the table still answers, with the new column', async () => {
    await store.db.insertInto('app_user').values({ tenant_id: 't1', id: 'u1', username: 'alma', password_hash: null, claims: '{}', roles: '[]', created_at: 0, updated_at: 0, version: 1 }).execute();
    assert.equal((await userById('u1'))?.username, 'alma');
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(store.db);
    assert.ok(rows.length > 0, 'the select above was run as a named statement');
    // What a rolling upgrade does: a node with a newer schema adds a column meanwhile.
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('alter table app_user add column nickname text');
      await other.query(`update app_user set nickname = 'al' where id = 'u1'`);
    } finally {
      await other.end();
    }
    const again = (await userById('u1')) as Record<string, unknown> | undefined;
    assert.equal(again?.nickname, 'al', 'SELECT * answers with the table as it is now');
    assert.equal(((await userById('u1')) as Record<string, unknown> | undefined)?.nickname, 'al', 'and keeps answering');
  });

  test('a provider artifact is found through the primary key, however many rows share its kind (no statistics yet)', async () => {
    await sql`insert into oidc_model (tenant_id, kind, id, payload, expires_at)
      select 't1', 'Interaction', 'i' || g, '{}', 4000000000 from generate_series(1, 3000) g`.execute(store.db);
    await sql`insert into oidc_model (tenant_id, kind, id, payload, uid, account_id, expires_at)
      select 't1', 'Session', 's' || g, '{}', 'uid' || g, 'u1', 4000000000 from generate_series(1, 50) g`.execute(store.db);
    for (const kind of ['Interaction', 'Session']) {
      const plan = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) select payload from oidc_model where tenant_id = ${'t1'} and kind = ${kind} and id = ${'i10'}`.execute(store.db);
      const text = JSON.stringify(plan.rows[0]!['QUERY PLAN']);
      assert.match(text, /"Index Name":"oidc_model_pk"/, `${kind}: ${text}`);
    }
  });

  test('with [database] prepared_statements = false (PgBouncer in transaction mode) nothing is prepared', async () => {
    const plain = openStore(database.url, '/nonexistent', 1, undefined, { preparedStatements: false });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await plain.db.selectFrom('app_user').select('username').where('tenant_id', '=', 't1').where('id', '=', 'u1').executeTakeFirst())?.username, 'alma');
      const { rows } = await sql<{ count: number }>`select count(*)::int as count from pg_prepared_statements`.execute(plain.db);
      assert.equal(rows[0]!.count, 0);
    } finally {
      await plain.close();
    }
  });
});
