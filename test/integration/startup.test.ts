// The server process as an operator starts it: `node src/main.ts` on a fresh data directory,
// first and second start, health, SIGTERM, invalid configuration, a store it cannot use,
// and logs free of secrets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { freePort, basicAuth, createPgDatabase, DIALECTS } from '../helpers/test-server.js';
import { openStore } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { api } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/main.ts');
const TSX = import.meta.resolve('tsx');

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  signalledAt?: number;
}

let dataDir: string;
const running = new Set<ChildProcessWithoutNullStreams>();

before(() => { dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-')); });
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the server with only the variables given (plus PATH), cwd = the data directory. */
function launch(env: Record<string, string>, args: string[] = []): Started {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SERVER__HOST: '127.0.0.1', ...env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const started: Started = {
    child,
    url: '',
    stdout: () => stdout,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, ms: started.signalledAt ? Date.now() - started.signalledAt : 0 });
    })),
  };
  return started;
}

/** Starts and waits for the start-up banner (it is printed once the server listens). */
async function startServer(env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const started = launch({ PORT: String(port), GATEHOUSE_BASE_URL: `http://127.0.0.1:${port}`, ...env });
  started.url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!/discovery:/.test(started.stdout())) {
    if (started.child.exitCode !== null) throw new Error(`server exited ${started.child.exitCode}: ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no start-up banner: ${started.stdout()} ${started.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return started;
}

async function stop(server: Started): Promise<{ code: number | null; ms: number }> {
  server.signalledAt = Date.now();
  server.child.kill('SIGTERM');
  return server.exited;
}

const USER_PASSWORD = 'Known-user-Passw0rd!';
const WRONG_PASSWORD = 'Wrong-guess-Passw0rd?';
let generatedPassword = '';
let firstLogs = '';

test('first start prints the server and discovery URLs and a generated admin password that works as Basic auth', async () => {
  // trace: the most an operator can turn on must still keep secrets out of the logs.
  const server = await startServer({ GATEHOUSE_LOGGING__LEVEL: 'trace' });
  try {
    const out = server.stdout();
    assert.ok(out.includes(`server:     ${server.url}/`), out);
    assert.ok(out.includes(`discovery:  ${server.url}/oauth2/token/.well-known/openid-configuration`), out);
    assert.match(out, /super administrator: admin \(password generated/);
    generatedPassword = /password: (\S+)\s+<- shown only now/.exec(out)?.[1] ?? '';
    assert.ok(generatedPassword.length >= 16, 'a long random password is printed');

    const apps = await api(server, 'GET', '/api/server/v1/applications', { auth: basicAuth('admin', generatedPassword) });
    assert.equal(apps.status, 200);
    assert.equal(apps.body.totalResults, 0);
    assert.equal((await api(server, 'GET', '/api/server/v1/applications', { auth: basicAuth('admin', WRONG_PASSWORD) })).status, 401);

    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { store: string }).store, 'sqlite');
    const discovery = await fetch(`${server.url}/oauth2/token/.well-known/openid-configuration`);
    assert.equal(((await discovery.json()) as { issuer: string }).issuer, `${server.url}/oauth2/token`);

    // A real sign-in with a known password, so the login POST is in the logs' reach.
    const admin = basicAuth('admin', generatedPassword);
    const created = await api(server, 'POST', '/scim2/Users', {
      auth: admin,
      type: 'application/scim+json',
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'startup-user', password: USER_PASSWORD },
    });
    assert.equal(created.status, 201);
    const redirectUri = 'http://localhost:8787/callback';
    const app = await api(server, 'POST', '/api/server/v1/applications', {
      auth: admin,
      body: { name: 'startup-app', inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: [redirectUri] } } },
    });
    assert.equal(app.status, 201);
    const oidc = await api(server, 'GET', `/api/server/v1/applications/${app.body.id}/inbound-protocols/oidc`, { auth: admin });
    const failed = await passwordLogin({ issuer: `${server.url}/oauth2/token`, clientId: oidc.body.clientId, clientSecret: oidc.body.clientSecret, redirectUri, username: 'startup-user', password: WRONG_PASSWORD });
    assert.equal(failed.tokens, undefined);
    const login = await passwordLogin({ issuer: `${server.url}/oauth2/token`, clientId: oidc.body.clientId, clientSecret: oidc.body.clientSecret, redirectUri, username: 'startup-user', password: USER_PASSWORD });
    assert.ok(login.tokens?.id_token, 'the sign-in succeeded');
  } finally {
    const exit = await stop(server);
    firstLogs = server.stdout();
    assert.equal(exit.code, 0, `SIGTERM exits 0 (stderr: ${server.stderr()})`);
    assert.ok(exit.ms < 5000, `SIGTERM exits promptly (${exit.ms} ms)`);
  }
});

test('the JSON logs carry request ids and never the admin password, a user password or a wrong guess', () => {
  assert.ok(generatedPassword && firstLogs, 'the first-start test ran');
  // The banner is the only place the generated password may appear, exactly once.
  assert.equal(firstLogs.split(generatedPassword).length - 1, 1, 'the generated password is printed once, in the banner');
  const logLines = firstLogs.split('\n').filter((line) => line.startsWith('{'));
  assert.ok(logLines.length > 5, 'requests were logged');
  const entries = logLines.map((line) => JSON.parse(line) as { reqId?: string; msg?: string; req?: { method?: string; path?: string }; res?: { statusCode?: number }; responseTime?: unknown });
  assert.ok(entries.some((e) => e.reqId && e.req?.path === '/api/server/v1/applications'), 'request logs carry a request id');
  assert.ok(entries.some((e) => e.req?.method === 'POST' && e.req.path?.startsWith('/authenticationendpoint/')), 'the login POSTs were logged');
  // One access line per request, written when it ends, with its status and duration.
  const access = entries.filter((e) => e.msg === 'request completed');
  assert.ok(access.some((e) => e.req?.path === '/health' && e.res?.statusCode === 200 && typeof e.responseTime === 'number'), 'the access line has status and time');
  assert.ok(access.some((e) => e.req?.path === '/oauth2/token' && e.res?.statusCode === 200), 'requests the provider answers have one too');
  assert.equal(new Set(access.map((e) => e.reqId)).size, access.length, 'no request has two access lines');
  assert.ok(!entries.some((e) => e.msg === 'incoming request'), 'no second line per request on arrival');
  // A failed step's line joins its request's access line and names the address: a guesser can be traced.
  const failed = logLines.map((line) => JSON.parse(line) as { event?: string; reqId?: string; ip?: string }).filter((e) => e.event === 'login_failed');
  assert.ok(failed.length > 0, 'the wrong password was logged');
  for (const line of failed) {
    assert.ok(access.some((e) => e.reqId === line.reqId && e.req?.method === 'POST'), `login_failed carries its request's id (${line.reqId})`);
    assert.equal(line.ip, '127.0.0.1');
  }
  const logs = logLines.join('\n');
  for (const secret of [generatedPassword, USER_PASSWORD, WRONG_PASSWORD]) {
    assert.ok(!logs.includes(secret), `a password appears in the logs: ${secret}`);
    assert.ok(!logs.includes(encodeURIComponent(secret)), 'a url-encoded password appears in the logs');
    assert.ok(!logs.includes(Buffer.from(`admin:${secret}`).toString('base64')), 'a Basic header appears in the logs');
  }
});

test('a second start on the same data directory prints no password and the existing admin still works', async () => {
  assert.ok(generatedPassword, 'the first-start test ran');
  const server = await startServer();
  try {
    const out = server.stdout();
    assert.doesNotMatch(out, /password: /);
    assert.ok(!out.includes(generatedPassword));
    assert.match(out, /super administrator: as created on first start/);
    assert.equal((await api(server, 'GET', '/api/server/v1/applications', { auth: basicAuth('admin', generatedPassword) })).status, 200);
  } finally {
    const exit = await stop(server);
    assert.equal(exit.code, 0);
  }
});

test('an invalid configuration stops start-up with one line naming the key', async () => {
  // Not named gatehouse.toml: that name in the working directory would be read by every start.
  const file = join(dataDir, 'invalid.toml');
  writeFileSync(file, '[server]\nport = 9443\n\n[identity_mgt.account_locking]\nallowed_failed_attempt = 3\n');
  const cases = [
    { name: 'a port that is not a number', server: launch({ GATEHOUSE_SERVER__PORT: 'abc' }), key: /server\.port \(environment variable GATEHOUSE_SERVER__PORT\): must be a whole number/ },
    { name: 'an unknown key in the --config file', server: launch({}, ['--config', file]), key: /identity_mgt\.account_locking\.allowed_failed_attempt \(.*invalid\.toml\): unknown key/ },
    { name: 'an encryption key of the wrong length', server: launch({ GATEHOUSE_SECURITY__ENCRYPTION_KEY: 'abc' }), key: /security\.encryption_key: must be 32 bytes in base64/ },
    { name: 'a mistyped option', server: launch({}, ['--confg', file]), key: /^gatehouse: unknown argument "--confg" \(the server takes only --config <file>; --help\)$/ },
  ];
  for (const c of cases) {
    const exit = await c.server.exited;
    assert.notEqual(exit.code, 0, c.name);
    // oidc-provider warns about Node 20 on import; that line is the runtime's, not ours.
    const lines = c.server.stderr().trim().split('\n').filter((line) => !line.startsWith('oidc-provider WARNING: Unsupported runtime'));
    assert.equal(lines.length, 1, `${c.name}: one line, got ${c.server.stderr()}`);
    assert.match(lines[0]!, c.key, c.name);
    assert.doesNotMatch(c.server.stdout(), /discovery:/, `${c.name}: the server did not start`);
  }
});

/** Waits for a launch that must fail; returns its exit code and its one line on stderr. */
async function failedStart(server: Started): Promise<{ code: number | null; line: string }> {
  const exit = await server.exited;
  const lines = server.stderr().trim().split('\n').filter((line) => !line.startsWith('oidc-provider WARNING: Unsupported runtime'));
  assert.equal(lines.length, 1, `one line, got ${server.stderr()}`);
  assert.doesNotMatch(server.stdout(), /discovery:/, 'the server did not start');
  assert.doesNotMatch(lines[0]!, / {2}/, 'no double space');
  return { code: exit.code, line: lines[0]! };
}

test('a store migrated by a newer version of Gatehouse stops start-up with one line naming the unknown migration', async () => {
  const newer = '2027_01_01_0011_from_newer_build';
  for (const dialect of DIALECTS) {
    const dir = mkdtempSync(join(dataDir, 'newer-'));
    const database = dialect === 'postgres' ? await createPgDatabase() : undefined;
    try {
      const store = openStore(database?.url ?? '', dir);
      await migrateToLatest(store);
      await sql`insert into gatehouse_migration (name, timestamp) values (${newer}, '2027-01-01T00:00:00.000Z')`.execute(store.db);
      await store.close();
      const { code, line } = await failedStart(launch({ GATEHOUSE_DATA_DIR: dir, ...(database ? { DATABASE_URL: database.url } : {}) }));
      assert.equal(code, 1, dialect);
      assert.match(line, new RegExp(`^gatehouse: failed to start: the store \\(${dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} .+\\) was migrated by a newer version of Gatehouse: it has run migration ${newer}, which this version does not know`), dialect);
    } finally {
      await database?.drop();
    }
  }
});

test('a store that cannot be opened stops start-up with one line saying where, never the password', async () => {
  const closedPort = await freePort();
  const garbage = mkdtempSync(join(dataDir, 'garbage-'));
  writeFileSync(join(garbage, 'gatehouse.db'), 'this is a text file that got here by mistake\n'.repeat(100));
  const directory = mkdtempSync(join(dataDir, 'directory-'));
  mkdirSync(join(directory, 'store.db'));
  const cases: Array<{ name: string; env: Record<string, string>; line: RegExp }> = [
    { name: 'nothing listens on the PostgreSQL port', env: { DATABASE_URL: `postgres://gatehouse:Secret-db-pw@127.0.0.1:${closedPort}/gatehouse` }, line: new RegExp(`^gatehouse: failed to start: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${closedPort}/gatehouse: connect ECONNREFUSED`) },
    { name: 'the SQLite file is not a database', env: { GATEHOUSE_DATA_DIR: garbage }, line: new RegExp(`^gatehouse: failed to start: cannot open the SQLite database ${join(garbage, 'gatehouse.db')}: file is not a database$`) },
    { name: 'the SQLite path is a directory', env: { DATABASE_URL: join(directory, 'store.db') }, line: new RegExp(`^gatehouse: failed to start: cannot open the SQLite database ${join(directory, 'store.db')}: unable to open database file$`) },
  ];
  for (const c of cases) {
    const { code, line } = await failedStart(launch(c.env));
    assert.equal(code, 1, c.name);
    assert.match(line, c.line, c.name);
    assert.ok(!line.includes('Secret-db-pw'), `${c.name}: the password is not printed`);
  }
});
