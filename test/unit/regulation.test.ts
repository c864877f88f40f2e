// Brute-force regulation on a real SQLite store with a clock the test moves: when an
// account locks, for how long, how locks grow, what resets the count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { openStore, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createTenant } from '../../src/tenants/tenant.service.js';
import { createUser } from '../../src/users/user.service.js';
import { lockState, reserveAttempt, attemptFailed, releaseAttempt, recordSuccess, unlock, failedAttempts, SLOT_WAIT_MS, type LockState } from '../../src/authn/regulation.js';
import type { Deps } from '../../src/deps.js';

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
let now = START;
const clock = { now: () => new Date(now) };
const at = (seconds: number): number => Math.floor(START / 1000) + seconds;
const advanceTo = (seconds: number): void => { now = START + seconds * 1000; };

let dir: string;
let store: Store;
let tenantId: string;
let otherTenantId: string;
const logLines: string[] = [];
let userCount = 0;

/** Deps over the shared store with this account-locking policy. */
function depsWith(locking: Record<string, unknown>): Deps {
  const config = loadConfig({ env: {}, overrides: { server: { data_dir: dir }, identity_mgt: { account_locking: locking } } });
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  return { config, store, clock, logger: createLogger('warn', sink), secrets: createSecretBox(Buffer.alloc(32, 3)) };
}

const policy = { allowed_failed_attempts: 3, auto_unlock_after: 5, auto_unlock_time_increment_ratio: 2 };
let deps: Deps;

async function newUser(tenant = tenantId): Promise<string> {
  return (await createUser(deps, tenant, { username: `user-${++userCount}`, claims: {}, roles: [] })).id;
}

/** One wrong attempt as the sign-in makes it: counted before it is judged, then failed (unless refused unjudged). */
async function recordFailure(d: Deps, tenant: string, userId: string, factor: string): Promise<LockState> {
  const attempt = await reserveAttempt(d, tenant, userId, factor);
  if (attempt.allowed) await attemptFailed(d, tenant, userId, factor, attempt);
  return lockState(d, tenant, userId, factor);
}

async function fail(d: Deps, userId: string, times: number, factor = 'pwd', tenant = tenantId) {
  let state;
  for (let i = 0; i < times; i++) state = await recordFailure(d, tenant, userId, factor);
  return state!;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-regulation-'));
  store = openStore('', dir);
  await migrateToLatest(store);
  deps = depsWith(policy);
  tenantId = (await createTenant(deps, 'regulation.test', 'Regulation')).id;
  otherTenantId = (await createTenant(deps, 'other.test', 'Other')).id;
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the account locks on the allowed_failed_attempts-th failure, not before', async () => {
  advanceTo(0);
  const user = await newUser();
  assert.deepEqual(await fail(deps, user, 2), { locked: false, lockedUntil: null });
  assert.equal(await failedAttempts(deps, tenantId, user, 'pwd'), 2);
  assert.deepEqual(await lockState(deps, tenantId, user, 'pwd'), { locked: false, lockedUntil: null });
  assert.deepEqual(await recordFailure(deps, tenantId, user, 'pwd'), { locked: true, lockedUntil: at(5 * 60) });
  assert.deepEqual(await lockState(deps, tenantId, user, 'pwd'), { locked: true, lockedUntil: at(5 * 60) });
});

test('a lock holds for auto_unlock_after minutes, then the count starts afresh', async () => {
  advanceTo(0);
  const user = await newUser();
  await fail(deps, user, 3);
  advanceTo(5 * 60 - 1);
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, true, 'one second before the end');
  advanceTo(5 * 60);
  assert.deepEqual(await lockState(deps, tenantId, user, 'pwd'), { locked: false, lockedUntil: null });
  assert.deepEqual(await recordFailure(deps, tenantId, user, 'pwd'), { locked: false, lockedUntil: null }, 'one failure after the lock does not relock');
  assert.equal(await failedAttempts(deps, tenantId, user, 'pwd'), 1);
});

test('failures during a lock neither extend it nor lock again', async () => {
  advanceTo(0);
  const user = await newUser();
  await fail(deps, user, 3);
  advanceTo(60);
  assert.deepEqual(await fail(deps, user, 5), { locked: true, lockedUntil: at(5 * 60) });
  advanceTo(5 * 60);
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, false);
});

test('each further lock lasts auto_unlock_time_increment_ratio times longer', async () => {
  advanceTo(0);
  const user = await newUser();
  assert.equal((await fail(deps, user, 3)).lockedUntil, at(5 * 60));
  advanceTo(5 * 60);
  assert.equal((await fail(deps, user, 3)).lockedUntil, at(5 * 60 + 10 * 60), 'second lock: 10 minutes');
  advanceTo(15 * 60);
  assert.equal((await fail(deps, user, 3)).lockedUntil, at(15 * 60 + 20 * 60), 'third lock: 20 minutes');
  advanceTo(35 * 60 - 1);
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, true);
});

test('a success resets the count and the growth of the lock time', async () => {
  advanceTo(0);
  const user = await newUser();
  await fail(deps, user, 3);
  advanceTo(5 * 60);
  await fail(deps, user, 2);
  await recordSuccess(deps, tenantId, user, 'pwd');
  assert.equal(await failedAttempts(deps, tenantId, user, 'pwd'), 0);
  assert.deepEqual(await fail(deps, user, 2), { locked: false, lockedUntil: null }, 'the count starts at zero again');
  assert.equal((await recordFailure(deps, tenantId, user, 'pwd')).lockedUntil, at(5 * 60 + 5 * 60), 'the next lock is the base length again');
});

test('auto_unlock_after 0 locks until an administrator unlocks', async () => {
  const adminOnly = depsWith({ ...policy, auto_unlock_after: 0 });
  advanceTo(0);
  const user = await newUser();
  assert.deepEqual(await fail(adminOnly, user, 3), { locked: true, lockedUntil: null });
  advanceTo(365 * 24 * 3600);
  assert.deepEqual(await lockState(adminOnly, tenantId, user, 'pwd'), { locked: true, lockedUntil: null }, 'still locked a year later');
  assert.deepEqual(await recordFailure(adminOnly, tenantId, user, 'pwd'), { locked: true, lockedUntil: null });
  await unlock(adminOnly, tenantId, user);
  assert.deepEqual(await lockState(adminOnly, tenantId, user, 'pwd'), { locked: false, lockedUntil: null });
  assert.equal(await failedAttempts(adminOnly, tenantId, user, 'pwd'), 0);
});

test('failures count per user, per factor and per tenant', async () => {
  advanceTo(0);
  const user = await newUser();
  const otherUser = await newUser();
  const sameNameElsewhere = await newUser(otherTenantId);
  await fail(deps, user, 3, 'pwd');
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, true);
  assert.equal((await lockState(deps, tenantId, user, 'otp')).locked, false, 'a password lock does not lock the OTP factor');
  assert.equal(await failedAttempts(deps, tenantId, user, 'otp'), 0);
  assert.equal((await lockState(deps, tenantId, otherUser, 'pwd')).locked, false);
  assert.equal((await lockState(deps, otherTenantId, sameNameElsewhere, 'pwd')).locked, false);
  await fail(deps, user, 2, 'otp');
  await recordSuccess(deps, tenantId, user, 'otp');
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, true, 'an OTP success does not lift the password lock');
});

test('an administrator can unlock one factor and leave the others locked', async () => {
  advanceTo(0);
  const user = await newUser();
  await fail(deps, user, 3, 'pwd');
  await fail(deps, user, 3, 'otp');
  await unlock(deps, tenantId, user, 'otp');
  assert.equal((await lockState(deps, tenantId, user, 'otp')).locked, false);
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, true);
});

test('with enable_account_locking false nothing locks', async () => {
  const off = depsWith({ ...policy, enable_account_locking: false });
  advanceTo(0);
  const user = await newUser();
  assert.deepEqual(await fail(off, user, 10), { locked: false, lockedUntil: null });
  assert.equal((await lockState(off, tenantId, user, 'pwd')).locked, false);
});

test('of concurrent wrong attempts exactly allowed_failed_attempts are judged; the rest wait, then are refused; one lock', async () => {
  advanceTo(0);
  const user = await newUser();
  const before = logLines.length;
  let judged = 0;
  const attempts = await Promise.all(Array.from({ length: 12 }, async () => {
    const attempt = await reserveAttempt(deps, tenantId, user, 'pwd');
    if (attempt.allowed) {
      judged += 1;
      await new Promise((resolve) => setTimeout(resolve, 30)); // judging takes a while
      await attemptFailed(deps, tenantId, user, 'pwd', attempt);
    }
    return attempt;
  }));
  assert.equal(judged, policy.allowed_failed_attempts, 'counted before judging: no more than the limit judged');
  assert.equal(attempts.filter((a) => !a.allowed && a.lockedUntil === at(5 * 60)).length, 12 - policy.allowed_failed_attempts, 'the rest refused with the lock');
  const locks = logLines.slice(before).filter((line) => line.includes('"event":"account_locked"'));
  assert.equal(locks.length, 1, 'one lock event');
  const row = await store.db.selectFrom('login_failure').select(['lock_count', 'locked_until']).where('user_id', '=', user).executeTakeFirstOrThrow();
  assert.equal(row.lock_count, 1);
  assert.equal(Number(row.locked_until), at(5 * 60));
});

test('concurrent right attempts all go through: those over the limit wait for a success to clear the count', async () => {
  advanceTo(0);
  const user = await newUser();
  const attempts = await Promise.all(Array.from({ length: 12 }, async () => {
    const attempt = await reserveAttempt(deps, tenantId, user, 'pwd');
    if (attempt.allowed) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await recordSuccess(deps, tenantId, user, 'pwd');
    }
    return attempt;
  }));
  assert.equal(attempts.filter((a) => a.allowed).length, 12);
  assert.equal((await lockState(deps, tenantId, user, 'pwd')).locked, false);
  assert.equal(await failedAttempts(deps, tenantId, user, 'pwd'), 0);
});

test('a burst of right attempts longer than SLOT_WAIT_MS all go through: each success starts the wait afresh', async () => {
  const one = depsWith({ ...policy, allowed_failed_attempts: 1 });
  advanceTo(0);
  const user = await newUser();
  const judging = Math.ceil(SLOT_WAIT_MS / 20); // one at a time: 25 of them take longer than the wait
  const attempts = await Promise.all(Array.from({ length: 25 }, async () => {
    const attempt = await reserveAttempt(one, tenantId, user, 'pwd');
    if (attempt.allowed) {
      await new Promise((resolve) => setTimeout(resolve, judging));
      await recordSuccess(one, tenantId, user, 'pwd');
    }
    return attempt;
  }));
  assert.equal(attempts.filter((a) => a.allowed).length, 25, 'none refused');
  assert.deepEqual(await lockState(one, tenantId, user, 'pwd'), { locked: false, lockedUntil: null });
  assert.equal(logLines.filter((line) => line.includes('"event":"account_locked"') && line.includes(user)).length, 0, 'no lock event');
});

test('an attempt over the limit that nothing resolves waits SLOT_WAIT_MS, then the lock is set', async () => {
  advanceTo(0);
  const user = await newUser();
  const held = await Promise.all(Array.from({ length: policy.allowed_failed_attempts }, () => reserveAttempt(deps, tenantId, user, 'pwd')));
  assert.ok(held.every((a) => a.allowed), 'attempts whose node died before judging them');
  const started = Date.now();
  const late = await reserveAttempt(deps, tenantId, user, 'pwd');
  assert.equal(late.allowed, false);
  assert.ok(Date.now() - started >= SLOT_WAIT_MS - 50, 'it waited for them first');
  assert.deepEqual(await lockState(deps, tenantId, user, 'pwd'), { locked: true, lockedUntil: at(5 * 60) });
});

test('an attempt that guessed nothing is given back; with locking off nothing is counted', async () => {
  advanceTo(0);
  const user = await newUser();
  for (let i = 0; i < 10; i++) {
    const attempt = await reserveAttempt(deps, tenantId, user, 'pwd');
    assert.equal(attempt.allowed, true, `attempt ${i + 1}`);
    await releaseAttempt(deps, tenantId, user, 'pwd', attempt);
  }
  assert.equal(await failedAttempts(deps, tenantId, user, 'pwd'), 0);
  const off = depsWith({ ...policy, enable_account_locking: false });
  const other = await newUser();
  const unlimited = await Promise.all(Array.from({ length: 12 }, () => reserveAttempt(off, tenantId, other, 'pwd')));
  assert.ok(unlimited.every((a) => a.allowed), 'with locking off every attempt is judged');
  await Promise.all(unlimited.map((a) => attemptFailed(off, tenantId, other, 'pwd', a)));
  assert.equal(await failedAttempts(off, tenantId, other, 'pwd'), 0, 'and none counted: turning locking on later starts from nothing');
});
