// A PostgreSQL connection dropped by the server (restart, failover, an administrator's
// pg_terminate_backend), idle or in the middle of a request, must not crash the process:
// the request fails with 5xx and the next query reconnects. A PostgreSQL that stops
// answering must fail requests and the readiness probe within bounds, not hold them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/connect.js';
import { createPgDatabase, PG_ADMIN_URL } from '../helpers/local-services.js';
import { DIALECTS, startServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { freezableProxy } from '../helpers/freezable-proxy.js';

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

/** Terminates every server connection to the test database but the caller's own. */
async function terminateBackends(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}

test('a PostgreSQL connection whose statement timed out fails the rest of its transaction at once and is not reused', { skip: !DIALECTS.includes('postgres') }, async () => {
  const database = await createPgDatabase();
  const shared = new URL(PG_ADMIN_URL);
  const proxy = await freezableProxy({ host: shared.hostname, port: Number(shared.port || 5432) });
  const url = new URL(database.url);
  url.host = `127.0.0.1:${proxy.port}`;
  // One connection, so the next query would get the same one if it went back to the pool.
  const store = openStore(url.toString(), '/nonexistent', 1, undefined, { connectTimeoutMs: 2000, queryTimeoutMs: 500 });
  const backendPid = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db)).rows[0]!.pid;
  try {
    const before = await backendPid();
    let started = 0;
    await assert.rejects(store.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      proxy.freeze();
      started = Date.now();
      await sql`select 2`.execute(trx);
    }), /Query read timeout/);
    const ms = Date.now() - started;
    assert.ok(ms < 950, `the ROLLBACK did not wait out a second timeout (${ms} ms)`);
    proxy.thaw();
    assert.notEqual(await backendPid(), before, 'a new connection serves the next query');
  } finally {
    proxy.thaw();
    await store.close();
    await proxy.close();
    await database.drop();
  }
});

test('PostgreSQL connections killed in the middle of sign-ins fail those requests with 5xx, and the server keeps serving', { skip: !DIALECTS.includes('postgres') }, async () => {
  const server = await startServer({ dialect: 'postgres' });
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const app = await registerApp(server);
    const user = { userName: 'resilient.user', password: 'Resilient-Passw0rd!' };
    await createScimUser(server, user);
    const signIn = () => passwordLogin({ issuer: `${server.url}/oauth2/token`, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: user.userName, password: user.password });
    const database = new URL(server.deps.config.database.url).pathname.slice(1);

    let running = true;
    const statuses: number[] = [];
    const transportErrors: string[] = [];
    // Sign-ins run transactions and many statements; the API calls keep short queries in flight.
    const signInLoop = async () => {
      while (running) {
        try { await signIn(); } catch (err) { if (/fetch failed|ECONNRESET|socket/i.test(String((err as Error).cause ?? err))) transportErrors.push(String(err)); }
      }
    };
    const apiLoop = async () => {
      while (running) {
        try { statuses.push((await api(server, 'GET', '/scim2/Users?count=5', { auth: server.adminAuth })).status); } catch (err) { transportErrors.push(String(err)); }
      }
    };
    const load = Promise.all([signInLoop(), signInLoop(), signInLoop(), signInLoop(), apiLoop(), apiLoop()]);
    let terminated = 0;
    for (let round = 0; round < 12 && uncaught.length === 0; round++) {
      await new Promise((r) => setTimeout(r, 150));
      terminated += await terminateBackends(database);
    }
    running = false;
    await load;

    assert.deepEqual(uncaught.map(String), [], 'no connection error escaped as an uncaught exception');
    assert.ok(terminated > 0, 'connections were terminated while the load ran');
    assert.deepEqual(transportErrors, [], 'every request got an HTTP answer');
    assert.ok(statuses.every((s) => s === 200 || s >= 500), `statuses: ${[...new Set(statuses)].join(', ')}`);
    assert.ok(statuses.some((s) => s >= 500), 'some requests met a killed connection and failed with 5xx');
    // PostgreSQL is back at once: the next requests open new connections.
    assert.equal((await fetch(`${server.url}/health/ready`)).status, 200);
    assert.ok((await signIn()).tokens?.id_token, 'a sign-in after the outage succeeds');
    assert.equal((await api(server, 'GET', '/scim2/Users?count=5', { auth: server.adminAuth })).status, 200);
  } finally {
    process.off('uncaughtException', onUncaught);
    await server.close();
  }
});

test('a PostgreSQL that stops answering turns /health/ready to 503 and fails requests within bounds; both recover when it answers again', { skip: !DIALECTS.includes('postgres') }, async () => {
  const shared = new URL(PG_ADMIN_URL);
  const proxy = await freezableProxy({ host: shared.hostname, port: Number(shared.port || 5432) });
  const throughProxy = (url: string) => { const u = new URL(url); u.host = `127.0.0.1:${proxy.port}`; return u.toString(); };
  // Short bounds keep the test short; the defaults (5 s to connect, 30 s per statement) behave alike.
  const server = await startServer({ dialect: 'postgres', routePg: throughProxy, storeOptions: { connectTimeoutMs: 1000, queryTimeoutMs: 1500 } });
  const timed = async (path: string, init: RequestInit = {}) => {
    const started = Date.now();
    const res = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(8000) });
    await res.arrayBuffer();
    return { status: res.status, ms: Date.now() - started };
  };
  const listUsers = () => timed('/scim2/Users?count=5', { headers: { authorization: server.adminAuth } });
  try {
    assert.equal((await timed('/health/ready')).status, 200);
    assert.equal((await listUsers()).status, 200);

    proxy.freeze();
    const [ready, users] = await Promise.all([timed('/health/ready'), listUsers()]);
    assert.equal(ready.status, 503, 'not ready while PostgreSQL does not answer');
    assert.ok(ready.ms < 3000, `the readiness probe answered in ${ready.ms} ms`);
    assert.ok(users.status >= 500, `a request needing the store fails (${users.status})`);
    assert.ok(users.ms < 5000, `and is not held (${users.ms} ms)`);

    proxy.thaw();
    let again = await timed('/health/ready');
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await timed('/health/ready');
    }
    assert.equal(again.status, 200, 'ready again once PostgreSQL answers');
    assert.equal((await listUsers()).status, 200);
  } finally {
    proxy.thaw(); // a failed assertion must not leave requests held that close() waits for
    await server.close();
    await proxy.close();
  }
});

test('a PostgreSQL that answers but takes no writes (a standby after a failover, or set read-only) is not ready, and ready again once it takes writes', { skip: !DIALECTS.includes('postgres') }, async () => {
  const server = await startServer({ dialect: 'postgres' });
  const { rows: [current] } = await sql<{ name: string }>`select current_database() as name`.execute(server.deps.store.db);
  const database = current!.name;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  // New connections get the setting; the pool's are ended so the next probe opens one.
  const readOnly = async (on: boolean) => {
    await admin.query(`alter database ${database} ${on ? 'set default_transaction_read_only = on' : 'reset default_transaction_read_only'}`);
    await terminateBackends(database);
  };
  const probe = async () => {
    const res = await fetch(`${server.url}/health/ready`);
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  };
  const probeUntil = async (status: number) => {
    let last = await probe();
    for (let i = 0; i < 50 && last.status !== status; i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = await probe();
    }
    return last;
  };
  try {
    assert.deepEqual(await probe(), { status: 200, body: { status: 'UP', store: 'postgres' } });
    await readOnly(true);
    let down = await probeUntil(503);
    // The first probe may meet a connection the termination just ended (unreachable).
    for (let i = 0; i < 20 && down.body.problem !== 'read-only'; i++) down = await probe();
    assert.deepEqual(down, { status: 503, body: { status: 'DOWN', store: 'postgres', problem: 'read-only' } });
    const created = await api(server, 'POST', '/scim2/Users', { auth: server.adminAuth, type: 'application/scim+json', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ro', password: 'read-only-Passw0rd' } });
    assert.ok(created.status >= 500, `what the probe foresaw: writes fail (${created.status})`);
    await readOnly(false);
    assert.deepEqual(await probeUntil(200), { status: 200, body: { status: 'UP', store: 'postgres' } });
  } finally {
    await admin.query(`alter database ${database} reset default_transaction_read_only`).catch(() => {});
    await admin.end();
    await server.close();
  }
});
