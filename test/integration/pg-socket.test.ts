// A PostgreSQL on the same machine is usually reached through its Unix socket (libpq's
// postgres://user@/db?host=/run/postgresql): start-up must accept that URL and use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { openStore } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createPgDatabase } from '../helpers/local-services.js';
import { DIALECTS } from '../helpers/test-server.js';

const SOCKET_DIR = '/var/run/postgresql';
const hasSocket = existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`);

test('a Unix-socket URL opens the store, migrates it and names the socket in messages', {
  skip: !DIALECTS.includes('postgres') ? 'PostgreSQL tests are off' : !hasSocket ? `no PostgreSQL socket in ${SOCKET_DIR}` : false,
}, async () => {
  const database = await createPgDatabase();
  const name = new URL(database.url).pathname.slice(1);
  for (const url of [`postgres://postgres@/${name}?host=${SOCKET_DIR}`, `postgres://postgres@${encodeURIComponent(SOCKET_DIR)}/${name}`]) {
    const store = openStore(url, '/nonexistent', 2);
    try {
      assert.equal(store.where, `PostgreSQL socket ${SOCKET_DIR} database ${name}`);
      await migrateToLatest(store);
      // inet_server_addr() is NULL on a Unix-socket connection, the server's address over TCP.
      const { rows } = await sql<{ addr: string | null; db: string }>`select inet_server_addr()::text as addr, current_database() as db`.execute(store.db);
      assert.deepEqual(rows[0], { addr: null, db: name }, url);
    } finally {
      await store.close();
    }
  }
  await database.drop();
});
