// The `gatehouse` CLI as a user runs it: a child process on a fresh data directory, checked
// against the SQLite file it wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { verifyPassword } from '../../src/users/password.js';
import { createSecretBox, loadEncryptionKey } from '../../src/crypto/secret-box.js';
import { runCli } from '../../src/cli/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const TSX = import.meta.resolve('tsx');
const ADMIN_PASSWORD = 'cli-admin-password-1';

interface Run { code: number | null; stdout: string; stderr: string }

let dataDir: string;

/** Runs `gatehouse …` with only the variables given (plus PATH), in the data directory. */
function gatehouse(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The same command line in this process (same parsing, services and exit codes; no process start-up). */
async function gatehouseHere(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    out: { print: (line) => { stdout += `${line}\n`; }, note: (line) => { stderr += `${line}\n`; } },
    env: { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
  });
  return { code, stdout, stderr };
}

function withDb<T>(fn: (db: SQLite.Database) => T): T {
  const db = new SQLite(join(dataDir, 'gatehouse.db'), { readonly: true });
  try { return fn(db); } finally { db.close(); }
}

/** Runs `fn` with the services over the CLI's store, as a running server would have them. */
async function withStore<T>(fn: (deps: import('../../src/deps.js').Deps) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../../src/config/load.js');
  const { openStore } = await import('../../src/store/connect.js');
  const { createLogger } = await import('../../src/logger.js');
  const { systemClock } = await import('../../src/clock.js');
  const config = loadConfig({ env: { GATEHOUSE_DATA_DIR: dataDir } });
  const store = openStore(config.database.url, config.server.data_dir);
  try {
    return await fn({ config, store, clock: systemClock, logger: createLogger('silent'), secrets: createSecretBox(loadEncryptionKey('', dataDir)) });
  } finally {
    await store.close();
  }
}

const tenantId = (domain: string): string =>
  withDb((db) => (db.prepare('SELECT id FROM tenant WHERE domain = ?').get(domain) as { id: string }).id);

const userRow = (domain: string, username: string) =>
  withDb((db) => db.prepare('SELECT * FROM app_user WHERE tenant_id = ? AND username = ?').get(tenantId(domain), username) as
    { id: string; password_hash: string; claims: string; roles: string } | undefined);

before(() => { dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-')); });
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('user add on a fresh data directory creates the store, the super administrator and the user', async () => {
  const run = await gatehouse(['user', 'add', 'alice', '--password', 'alice-password-1', '--email', 'alice@example.com', '--given-name', 'Alice', '--family-name', 'Liddell', '--admin']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Created user "alice" in tenant carbon\.super with the admin role/);
  // The bootstrap ran (migrations, default tenant, admin from GATEHOUSE_ADMIN_PASSWORD), and
  // nothing of that went to stdout, which carries only the answer.
  assert.match(run.stderr, /initialised a new store/);
  assert.doesNotMatch(run.stdout + run.stderr, new RegExp(ADMIN_PASSWORD));
  const admin = userRow('carbon.super', 'admin');
  assert.ok(admin && await verifyPassword(admin.password_hash, ADMIN_PASSWORD), 'the super administrator has the configured password');

  const alice = userRow('carbon.super', 'alice');
  assert.ok(alice, 'alice is in the store');
  assert.match(run.stdout, new RegExp(`id: ${alice.id}`));
  assert.match(alice.password_hash, /^\$argon2id\$/);
  assert.equal(await verifyPassword(alice.password_hash, 'alice-password-1'), true);
  assert.deepEqual(JSON.parse(alice.claims), { email: 'alice@example.com', given_name: 'Alice', family_name: 'Liddell' });
  assert.deepEqual(JSON.parse(alice.roles), ['admin']);
});

test('three commands started at once on one new data directory all succeed (the store is created once)', async () => {
  const shared = dataDir;
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-race-'));
  try {
    const runs = await Promise.all(['ann', 'bob', 'cyd'].map((name) => gatehouse(['user', 'add', name, '--password', `${name}-password-1`])));
    runs.forEach((run, i) => assert.equal(run.code, 0, `command ${i + 1}: ${run.stderr}`));
    for (const name of ['ann', 'bob', 'cyd']) assert.ok(userRow('carbon.super', name), `${name} is in the store`);
    assert.equal(withDb((db) => db.prepare('SELECT count(*) AS n FROM tenant').get() as { n: number }).n, 1, 'one default tenant');
    const next = await gatehouse(['keys', 'rotate']);
    assert.equal(next.code, 0, `the key file is the one the store was sealed with: ${next.stderr}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = shared;
  }
});

test('user add --password-stdin reads the password from standard input without its trailing newline', async () => {
  const run = await gatehouse(['user', 'add', 'bob', '--password-stdin'], { stdin: 'bob-password-from-stdin\n' });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /initialised/, 'the second run finds the existing store');
  const bob = userRow('carbon.super', 'bob');
  assert.ok(bob);
  assert.equal(await verifyPassword(bob.password_hash, 'bob-password-from-stdin'), true);
  assert.deepEqual(JSON.parse(bob.roles), []);
});

test('app register prints a client id and secret that the store holds for the application', async () => {
  const run = await gatehouse(['app', 'register', 'Web shop', '--callback', 'https://shop.example.com/cb', '--callback', 'http://localhost:3000/cb']);
  assert.equal(run.code, 0, run.stderr);
  const clientId = /client id:\s+(\S+)/.exec(run.stdout)?.[1];
  const clientSecret = /client secret:\s+(\S+)/.exec(run.stdout)?.[1];
  assert.ok(clientId && clientSecret, run.stdout);
  assert.match(run.stdout, /discovery:\s+http:\/\/localhost:9443\/oauth2\/token\/\.well-known\/openid-configuration/);
  const row = withDb((db) => db.prepare('SELECT * FROM application WHERE tenant_id = ? AND client_id = ?').get(tenantId('carbon.super'), clientId)) as
    { name: string; client_secret: string; oidc: string } | undefined;
  assert.ok(row, 'the printed client id is registered');
  assert.equal(row.name, 'Web shop');
  const secrets = createSecretBox(loadEncryptionKey('', dataDir));
  assert.equal(secrets.open(row.client_secret), clientSecret, 'the printed secret is the stored one');
  const oidc = JSON.parse(row.oidc) as { callbackURLs: string[]; grantTypes: string[]; publicClient: boolean };
  assert.deepEqual(oidc.callbackURLs, ['https://shop.example.com/cb', 'http://localhost:3000/cb']);
  assert.deepEqual(oidc.grantTypes, ['authorization_code', 'refresh_token']);
  assert.equal(oidc.publicClient, false);
});

test('app register --public --grant registers a public client without a secret', async () => {
  const run = await gatehouseHere(['app', 'register', 'SPA', '--public', '--grant', 'authorization_code', '--callback', 'http://localhost:5173/cb']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /client secret:\s+\(none: public client/);
  const clientId = /client id:\s+(\S+)/.exec(run.stdout)?.[1];
  const row = withDb((db) => db.prepare('SELECT client_secret, oidc FROM application WHERE client_id = ?').get(clientId)) as { client_secret: string | null; oidc: string };
  assert.equal(row.client_secret, null);
  assert.deepEqual(JSON.parse(row.oidc).grantTypes, ['authorization_code']);
  assert.equal(JSON.parse(row.oidc).pkce.mandatory, true);
});

test('keys rotate makes a new active key, retires the old one and says when running servers use it', async () => {
  const tenant = tenantId('carbon.super');
  const keys = () => withDb((db) => db.prepare('SELECT kid, status FROM signing_key WHERE tenant_id = ?').all(tenant)) as Array<{ kid: string; status: string }>;
  const [before] = keys();
  const run = await gatehouse(['keys', 'rotate']);
  assert.equal(run.code, 0, run.stderr);
  const kid = /New signing key (\S+) is now the active key of tenant carbon\.super/.exec(run.stdout)?.[1];
  assert.ok(kid, run.stdout);
  assert.match(kid, /^[0-9a-f]{24}$/, 'hex: a kid never begins with "-", which a command line would read as an option');
  assert.match(run.stdout, /Running servers sign with it within 10 seconds; no restart is needed/);
  const after = keys();
  assert.equal(after.length, 2);
  assert.equal(after.find((k) => k.kid === kid)?.status, 'active');
  assert.equal(after.find((k) => k.kid === before!.kid)?.status, 'retired');
});

test('keys remove withdraws a retired key; the active key and an unknown kid are refused with a line saying why', async () => {
  const tenant = tenantId('carbon.super');
  const keys = () => withDb((db) => db.prepare('SELECT kid, status FROM signing_key WHERE tenant_id = ?').all(tenant)) as Array<{ kid: string; status: string }>;
  const retired = keys().find((k) => k.status === 'retired')!;
  const active = keys().find((k) => k.status === 'active')!;
  const refused = await gatehouse(['keys', 'remove', active.kid]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is the active signing key of tenant carbon\.super: run "gatehouse keys rotate" first/);
  const unknown = await gatehouse(['keys', 'remove', 'no-such-kid']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /tenant carbon\.super has no signing key no-such-kid/);
  const removed = await gatehouse(['keys', 'remove', retired.kid]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`Signing key ${retired.kid} is removed from tenant carbon\\.super`));
  assert.match(removed.stdout, /Running servers stop publishing it within 10 seconds/);
  assert.deepEqual(keys().map((k) => k.kid), [active.kid]);
  const usage = await gatehouse(['keys', 'remove']);
  assert.equal(usage.code, 2);

  // Kids were base64url before: one in 64 began with "-". Such a key is removed after "--".
  await withStore((deps) => deps.store.db.insertInto('signing_key').values({ tenant_id: tenant, kid: '-Xq3old', alg: 'RS256', private_jwk: 'sealed', status: 'retired', created_at: 0 }).execute());
  const asOption = await gatehouse(['keys', 'remove', '-Xq3old']);
  assert.equal(asOption.code, 2);
  assert.match(asOption.stderr, /an argument that begins with "-" goes after "--": gatehouse keys remove -- -…/);
  const afterDashes = await gatehouse(['keys', 'remove', '--', '-Xq3old']);
  assert.equal(afterDashes.code, 0, afterDashes.stderr);
  assert.deepEqual(keys().map((k) => k.kid), [active.kid]);
});

test('--tenant acts in that tenant only, and an unknown tenant is refused', async () => {
  // A second tenant, made the way the tenant API makes one, in the same store.
  const { createTenant } = await import('../../src/tenants/tenant.service.js');
  await withStore((deps) => createTenant(deps, 'acme.com', 'Acme'));

  const run = await gatehouseHere(['user', 'add', 'alice', '--tenant', 'acme.com', '--password', 'another-alice-pw']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /in tenant acme\.com/);
  const acmeAlice = userRow('acme.com', 'alice');
  assert.ok(acmeAlice);
  assert.notEqual(acmeAlice.id, userRow('carbon.super', 'alice')!.id);
  assert.equal(await verifyPassword(userRow('carbon.super', 'alice')!.password_hash, 'alice-password-1'), true, 'the default tenant\'s alice is untouched');

  const unknown = await gatehouseHere(['app', 'register', 'x', '--callback', 'https://x.example/cb', '--tenant', 'nowhere.example']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'gatehouse: tenant nowhere.example not found\n');
});

/** Gives `username` in `domain` an active TOTP, a locked TOTP step and a session and token, as sign-ins would. */
async function signedInWithTotp(domain: string, username: string): Promise<string> {
  const { activateTotpCredential } = await import('../../src/authn/authenticators/totp/totp-credential.repository.js');
  const { reserveAttempt, attemptFailed } = await import('../../src/authn/regulation.js');
  // One wrong attempt, as a sign-in counts it.
  const recordFailure = async (deps: Parameters<typeof reserveAttempt>[0], tenant: string, user: string, factor: string) =>
    attemptFailed(deps, tenant, user, factor, await reserveAttempt(deps, tenant, user, factor));
  return withStore(async (deps) => {
    const tenant = tenantId(domain);
    const user = userRow(domain, username)!.id;
    const now = Math.floor(Date.now() / 1000);
    await activateTotpCredential(deps.store.db, { tenant_id: tenant, user_id: user, secret: deps.secrets.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'), algorithm: 'SHA1', digits: 6, period: 30, last_used_step: null, created_at: now }, 'replace');
    for (let i = 0; i < deps.config.identity_mgt.account_locking.allowed_failed_attempts; i++) await recordFailure(deps, tenant, user, 'totp');
    await deps.store.db.insertInto('oidc_model').values({ tenant_id: tenant, kind: 'RefreshToken', id: `rt-${domain}-${username}`, payload: '{}', grant_id: null, user_code: null, uid: null, account_id: user, expires_at: now + 3600, consumed_at: null }).execute();
    await deps.store.db.insertInto('authn_session').values({ tenant_id: tenant, session_uid: `s-${domain}-${username}`, user_id: user, factors: '{}', expires_at: now + 3600 }).execute();
    return user;
  });
}

const countFor = (table: 'totp_credential' | 'login_failure' | 'oidc_model' | 'authn_session', domain: string, userId: string): number =>
  withDb((db) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ? AND ${table === 'oidc_model' ? 'account_id' : 'user_id'} = ?`).get(tenantId(domain), userId) as { n: number }).n);

test('user totp-status, unlock and totp-reset act on one user of one tenant and revoke their sessions and tokens', async () => {
  const alice = await signedInWithTotp('carbon.super', 'alice');
  const acmeAlice = await signedInWithTotp('acme.com', 'alice');

  const status = await gatehouse(['user', 'totp-status', 'alice']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /TOTP of "alice" in tenant carbon\.super: active/);
  assert.match(status.stdout, /codes:\s+6 digits, SHA1, every 30 s/);
  assert.match(status.stdout, /locked:\s+yes, until \d{4}-\d\d-\d\dT/);
  const json = await gatehouseHere(['user', 'totp-status', 'alice', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { ...JSON.parse(json.stdout), userId: alice, username: 'alice', status: 'active', locked: true });

  const unlock = await gatehouse(['user', 'unlock', 'alice', '--factor', 'totp']);
  assert.equal(unlock.code, 0, unlock.stderr);
  assert.match(unlock.stdout, /Unlocked "alice" in tenant carbon\.super \(totp; was locked: totp\)/);
  assert.match(unlock.stdout, /Revoked 1 session\(s\), grant\(s\) and token\(s\)/);
  assert.equal(countFor('login_failure', 'carbon.super', alice), 0, 'the TOTP lock is gone');
  assert.equal(countFor('oidc_model', 'carbon.super', alice), 0, 'the refresh token is revoked');
  assert.equal(countFor('authn_session', 'carbon.super', alice), 0, 'the session is ended');
  assert.match((await gatehouseHere(['user', 'totp-status', 'alice'])).stdout, /locked:\s+no/);

  await signedInWithTotp('carbon.super', 'alice');
  const reset = await gatehouseHere(['user', 'totp-reset', 'alice']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /Reset TOTP of "alice" in tenant carbon\.super: the next sign-in asks to set up an authenticator app/);
  assert.match(reset.stderr, /reset only after verifying the person/);
  assert.equal(countFor('totp_credential', 'carbon.super', alice), 0);
  assert.equal(countFor('login_failure', 'carbon.super', alice), 0, 'a reset clears the TOTP lock so the user can enroll');
  assert.equal(countFor('oidc_model', 'carbon.super', alice), 0);
  assert.equal(countFor('authn_session', 'carbon.super', alice), 0);
  assert.match((await gatehouseHere(['user', 'totp-status', 'alice'])).stdout, /: none\n/);
  assert.match((await gatehouseHere(['user', 'totp-reset', 'alice'])).stdout, /had no TOTP set up/);

  // acme.com's alice, the same username in another tenant, was not touched.
  for (const table of ['totp_credential', 'oidc_model', 'authn_session'] as const) assert.equal(countFor(table, 'acme.com', acmeAlice), 1, table);
  const acme = await gatehouseHere(['user', 'unlock', 'alice', '--tenant', 'acme.com']);
  assert.equal(acme.code, 0, acme.stderr);
  assert.match(acme.stdout, /Unlocked "alice" in tenant acme\.com \(every factor; was locked: totp\)/);
  assert.equal(countFor('totp_credential', 'acme.com', acmeAlice), 1, 'an unlock keeps the TOTP');

  const unknown = await gatehouseHere(['user', 'totp-status', 'nobody']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'gatehouse: user "nobody" not found in tenant carbon.super\n');
});

test('user disable ends the sign-ins of one user of one tenant, is logged with the OS account, and user enable undoes it', async () => {
  const alice = await signedInWithTotp('carbon.super', 'alice');
  const active = (domain: string) => withDb((db) => (db.prepare('SELECT active FROM app_user WHERE tenant_id = ? AND username = ?').get(tenantId(domain), 'alice') as { active: number }).active);
  const audited = () => withDb((db) => db.prepare("SELECT actor_kind, details FROM audit_event WHERE tenant_id = ? AND user_id = ? AND type = 'user_updated' ORDER BY at").all(tenantId('carbon.super'), alice)) as Array<{ actor_kind: string; details: string }>;

  const disable = await gatehouse(['user', 'disable', 'alice']);
  assert.equal(disable.code, 0, disable.stderr);
  assert.match(disable.stdout, /Disabled "alice" in tenant carbon\.super\./);
  assert.match(disable.stdout, /Revoked 1 session\(s\), grant\(s\) and token\(s\)/);
  assert.equal(active('carbon.super'), 0);
  assert.equal(active('acme.com'), 1, 'the same username in another tenant stays enabled');
  assert.equal(countFor('oidc_model', 'carbon.super', alice), 0, 'the refresh token is revoked');
  assert.equal(countFor('authn_session', 'carbon.super', alice), 0, 'the session is ended');
  const [event] = audited();
  assert.equal(event?.actor_kind, 'cli');
  assert.deepEqual(JSON.parse(event!.details), { before: { active: true }, after: { active: false }, passwordChanged: false, sessionsRevoked: true });

  const again = await gatehouseHere(['user', 'disable', 'alice']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /"alice" in tenant carbon\.super already is disabled; nothing changed/);
  assert.equal(audited().length, 1, 'no change, no event');

  const enable = await gatehouseHere(['user', 'enable', 'alice']);
  assert.equal(enable.code, 0, enable.stderr);
  assert.match(enable.stdout, /Enabled "alice" in tenant carbon\.super\./);
  assert.equal(active('carbon.super'), 1);
  assert.deepEqual(JSON.parse(audited()[1]!.details).after, { active: true });
});

test('user set-password gives a locked-out user a new password, clears the lock and signs them out everywhere', async () => {
  const bob = userRow('carbon.super', 'bob')!.id;
  // bob is locked out by wrong passwords and holds a refresh token, as after real sign-ins.
  const { reserveAttempt, attemptFailed } = await import('../../src/authn/regulation.js');
  // One wrong attempt, as a sign-in counts it.
  const recordFailure = async (deps: Parameters<typeof reserveAttempt>[0], tenant: string, user: string, factor: string) =>
    attemptFailed(deps, tenant, user, factor, await reserveAttempt(deps, tenant, user, factor));
  await withStore(async (deps) => {
    for (let i = 0; i < deps.config.identity_mgt.account_locking.allowed_failed_attempts; i++) await recordFailure(deps, tenantId('carbon.super'), bob, 'BasicAuthenticator');
    await deps.store.db.insertInto('oidc_model').values({ tenant_id: tenantId('carbon.super'), kind: 'RefreshToken', id: 'rt-bob', payload: '{}', grant_id: null, user_code: null, uid: null, account_id: bob, expires_at: Math.floor(Date.now() / 1000) + 3600, consumed_at: null }).execute();
  });

  const run = await gatehouse(['user', 'set-password', 'bob', '--password-stdin'], { stdin: 'bobs-new-password-2\n' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Set a new password for "bob" in tenant carbon\.super and unlocked its password\./);
  assert.match(run.stdout, /Revoked 1 session\(s\), grant\(s\) and token\(s\)/);
  assert.doesNotMatch(run.stdout + run.stderr, /bobs-new-password-2/, 'the password is never echoed');
  const hash = userRow('carbon.super', 'bob')!.password_hash;
  assert.equal(await verifyPassword(hash, 'bobs-new-password-2'), true);
  assert.equal(await verifyPassword(hash, 'bob-password-from-stdin'), false, 'the old password no longer works');
  assert.equal(countFor('login_failure', 'carbon.super', bob), 0, 'the lock is cleared');
  assert.equal(countFor('oidc_model', 'carbon.super', bob), 0, 'the refresh token is revoked');
  const audited = withDb((db) => db.prepare("SELECT type, actor_kind, details FROM audit_event WHERE tenant_id = ? AND user_id = ? AND type IN ('user_updated', 'account_unlocked') ORDER BY at").all(tenantId('carbon.super'), bob)) as Array<{ type: string; actor_kind: string; details: string }>;
  assert.deepEqual(audited.map((e) => [e.type, e.actor_kind]), [['user_updated', 'cli'], ['account_unlocked', 'cli']]);
  assert.equal(JSON.parse(audited[0]!.details).passwordChanged, true);

  const again = await gatehouseHere(['user', 'set-password', 'bob', '--password', 'bobs-third-password']);
  assert.match(again.stdout, /Set a new password for "bob" in tenant carbon\.super\.\n/, 'nothing to unlock this time');
});

type BadInput = { name: string; args: string[]; env?: Record<string, string>; code: number; message: RegExp };

function assertOneLineRefusal(c: BadInput, run: Run): void {
  assert.equal(run.code, c.code, `${c.name}: exit code (stderr: ${run.stderr})`);
  assert.match(run.stderr, c.message, c.name);
  assert.match(run.stderr, /^gatehouse: [^\n]+\n$/, `${c.name}: exactly one line, no stack trace`);
  assert.equal(run.stdout, '', `${c.name}: nothing on stdout`);
}

// Started as real processes: the exit code and stderr a shell sees.
const BAD_INPUT_PROCESS: BadInput[] = [
  { name: 'an unknown option', args: ['user', 'add', 'carol', '--pasword', 'x'], code: 2, message: /Unknown option '--pasword'/ },
  { name: 'an existing username', args: ['user', 'add', 'alice', '--password', 'alice-password-2'], code: 1, message: /a user named "alice" already exists/ },
  { name: 'an invalid configuration value', args: ['keys', 'rotate'], env: { GATEHOUSE_SERVER__PORT: 'abc' }, code: 2, message: /^gatehouse: invalid configuration: server\.port .*GATEHOUSE_SERVER__PORT.*whole number/ },
];

// The rest of the table in this process, through the same runCli the program calls.
const BAD_INPUT_HERE: BadInput[] = [
  { name: 'a missing username', args: ['user', 'add', '--password', 'carol-password'], code: 2, message: /exactly one <username>/ },
  { name: 'two usernames', args: ['user', 'add', 'carol', 'dave', '--password', 'carol-password'], code: 2, message: /exactly one <username>/ },
  { name: 'a missing option value', args: ['user', 'add', 'carol', '--password'], code: 2, message: /--password <value>' argument missing/ },
  { name: 'both password sources', args: ['user', 'add', 'carol', '--password', 'carol-password', '--password-stdin'], code: 2, message: /either --password or --password-stdin/ },
  { name: 'no password source without a terminal', args: ['user', 'add', 'carol'], code: 2, message: /no password/ },
  { name: 'a password the policy refuses', args: ['user', 'add', 'carol', '--password', 'short'], code: 2, message: /at least 8 characters/ },
  { name: 'a password equal to the username', args: ['user', 'add', 'carol-carol', '--password', 'Carol-Carol'], code: 2, message: /same as the username/ },
  { name: 'a username with a space', args: ['user', 'add', 'carol smith', '--password', 'carol-password'], code: 1, message: /without spaces/ },
  { name: 'an authorization_code app without callback', args: ['app', 'register', 'No callback'], code: 1, message: /callbackURLs must list at least one URL/ },
  { name: 'a plain-http callback on a public host', args: ['app', 'register', 'Insecure', '--callback', 'http://shop.example.com/cb'], code: 1, message: /must use https/ },
  { name: 'an unsupported grant', args: ['app', 'register', 'Pw', '--grant', 'password'], code: 1, message: /"password" is not supported/ },
  { name: 'a public client with client_credentials', args: ['app', 'register', 'M2M', '--public', '--grant', 'client_credentials'], code: 1, message: /public client cannot use the client_credentials/ },
  { name: 'an existing application name', args: ['app', 'register', 'Web shop', '--callback', 'https://shop.example.com/cb'], code: 1, message: /"Web shop" already exists/ },
  { name: 'an argument to keys rotate', args: ['keys', 'rotate', 'now'], code: 2, message: /takes no arguments/ },
  { name: 'totp-reset without a username', args: ['user', 'totp-reset'], code: 2, message: /user totp-reset needs exactly one <username>/ },
  { name: 'a new password the policy refuses', args: ['user', 'set-password', 'bob', '--password', 'short'], code: 2, message: /at least 8 characters/ },
  { name: 'set-password of an unknown user', args: ['user', 'set-password', 'nobody', '--password', 'long-enough-pw'], code: 1, message: /user "nobody" not found/ },
  { name: 'disable without a username', args: ['user', 'disable'], code: 2, message: /user disable needs exactly one <username>/ },
  { name: 'enable of an unknown user', args: ['user', 'enable', 'nobody'], code: 1, message: /user "nobody" not found in tenant carbon\.super/ },
  { name: 'an unknown factor to unlock', args: ['user', 'unlock', 'alice', '--factor', 'sms'], code: 2, message: /--factor must be one of BasicAuthenticator, totp/ },
  { name: 'an unknown command', args: ['users', 'list'], code: 2, message: /unknown command "users"/ },
  { name: 'an incomplete command', args: ['app'], code: 2, message: /unknown command "app": try "app register"/ },
  { name: 'an invalid log level in the environment', args: ['keys', 'rotate'], env: { GATEHOUSE_LOGGING__LEVEL: 'loud' }, code: 2, message: /logging\.level .*must be one of/ },
];

test('a key that does not open the store is refused before anything is sealed with it; a missing key file is not replaced', async () => {
  const tenant = tenantId('carbon.super');
  const keys = () => withDb((db) => db.prepare('SELECT kid, status FROM signing_key WHERE tenant_id = ?').all(tenant)) as Array<{ kid: string; status: string }>;
  const before = keys();
  const keyFile = join(dataDir, 'encryption.key');
  const serverKey = readFileSync(keyFile, 'utf8').trim();
  try {
    const wrong = await gatehouseHere(['keys', 'rotate'], { GATEHOUSE_SECURITY__ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    assert.equal(wrong.code, 2, wrong.stdout);
    assert.match(wrong.stderr, /^gatehouse: invalid configuration: security\.encryption_key: this key does not open the secrets already in the store/m);
    const short = await gatehouseHere(['keys', 'rotate'], { GATEHOUSE_SECURITY__ENCRYPTION_KEY: 'abc' });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /security\.encryption_key: must be 32 bytes in base64/);

    // The server ran with the key in its environment, so there is no key file: the CLI, run
    // without that variable, must not make a new key and seal with it.
    rmSync(keyFile);
    const missing = await gatehouseHere(['keys', 'rotate']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /already holds sealed secrets, but security\.encryption_key is not set/);
    assert.equal(existsSync(keyFile), false, 'no key file was generated');
    assert.deepEqual(keys(), before, 'no signing key was added');

    writeFileSync(keyFile, 'not-a-key\n', { mode: 0o600 });
    const damaged = await gatehouseHere(['keys', 'rotate']);
    assert.equal(damaged.code, 2);
    assert.match(damaged.stderr, /encryption\.key: an encryption key is 32 bytes in base64/);
    rmSync(keyFile);

    // A key file that is a dangling link (a secret not mounted yet) is neither read nor
    // replaced: refused here, and on a new store too, where it once looped for good.
    symlinkSync(join(dataDir, 'no-such-secret'), keyFile);
    const dangling = await gatehouseHere(['keys', 'rotate']);
    rmSync(keyFile);
    assert.equal(dangling.code, 2);
    assert.match(dangling.stderr, /encryption\.key does not exist/);
    const fresh = mkdtempSync(join(tmpdir(), 'gatehouse-cli-link-'));
    try {
      symlinkSync(join(fresh, 'no-such-secret'), join(fresh, 'encryption.key'));
      const empty = await gatehouseHere(['keys', 'rotate'], { GATEHOUSE_DATA_DIR: fresh });
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /encryption\.key: cannot be read or created \(a broken symbolic link\?\)/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }

    const right = await gatehouseHere(['keys', 'rotate'], { GATEHOUSE_SECURITY__ENCRYPTION_KEY: serverKey });
    assert.equal(right.code, 0, right.stderr);
    assert.equal(keys().length, before.length + 1);
  } finally {
    // Later tests use this data directory with its key file.
    if (!existsSync(keyFile)) writeFileSync(keyFile, `${serverKey}\n`, { mode: 0o600 });
  }
});

test('bad input in a real process exits non-zero with one line naming the problem and no stack trace', async () => {
  const file = join(dataDir, 'bad.toml');
  writeFileSync(file, '[server]\nprot = 8080\n');
  const cases: BadInput[] = [
    ...BAD_INPUT_PROCESS,
    { name: 'an unknown key in the --config file', args: ['--config', file, 'keys', 'rotate'], code: 2, message: /^gatehouse: invalid configuration: server\.prot \(.*bad\.toml\): unknown key$/m },
  ];
  const runs = await Promise.all(cases.map((c) => gatehouse(c.args, { env: c.env })));
  cases.forEach((c, i) => assertOneLineRefusal(c, runs[i]!));
});

test('every kind of bad input is refused with one line and the right exit code, changing nothing', async () => {
  const usersBefore = withDb((db) => db.prepare('SELECT count(*) AS n FROM app_user').get() as { n: number }).n;
  const appsBefore = withDb((db) => db.prepare('SELECT count(*) AS n FROM application').get() as { n: number }).n;
  for (const c of BAD_INPUT_HERE) assertOneLineRefusal(c, await gatehouseHere(c.args, c.env));
  assert.equal(withDb((db) => db.prepare('SELECT count(*) AS n FROM app_user').get() as { n: number }).n, usersBefore);
  assert.equal(withDb((db) => db.prepare('SELECT count(*) AS n FROM application').get() as { n: number }).n, appsBefore);
});

test('--help lists the commands and exits 0; a command\'s --help lists its options', async () => {
  const [top, sub] = await Promise.all([gatehouse(['--help']), gatehouseHere(['app', 'register', '--help'])]);
  assert.equal(top.code, 0);
  for (const words of ['user add <username>', 'user totp-status <username>', 'user totp-reset <username>', 'user unlock <username>', 'user set-password <username>', 'user disable <username>', 'user enable <username>', 'app register <name>', 'keys rotate', 'keys remove <kid>']) assert.ok(top.stdout.includes(words), words);
  assert.equal(sub.code, 0);
  for (const option of ['--callback URL', '--public', '--grant G', '--tenant DOMAIN', '--config PATH']) assert.ok(sub.stdout.includes(option), option);
});
