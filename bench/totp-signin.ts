// Password + TOTP sign-ins for `npm run bench`. A time step accepts each user once (replay
// protection), so the bench signs in many users, each at most once per 30-second step.
// The users and their TOTP secrets are written straight into the store (with the server's
// encryption key), as if each had enrolled earlier: provisioning is not what is measured.
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { openStore } from '../src/store/connect.js';
import { createSecretBox, loadEncryptionKey } from '../src/crypto/secret-box.js';
import { base32Encode, generateSecret, totp, timeStep } from '../src/otp/index.js';
import { signIn, type LoadResult, type SignInTarget } from './signin-load.js';

const PERIOD = 30;

export interface TotpUser {
  username: string;
  secret: Uint8Array;
  /** The last time step this user signed in with. */
  lastStep: number;
}

/**
 * `count` copies of the provisioned user (same password hash), each with an active TOTP
 * secret sealed under the data dir's key, inserted while the server runs.
 */
export async function seedTotpUsers(target: SignInTarget, dataDir: string, databaseUrl: string | undefined, count: number): Promise<TotpUser[]> {
  const store = openStore(databaseUrl ?? '', dataDir, 2);
  try {
    const box = createSecretBox(loadEncryptionKey('', dataDir));
    const template = await store.db.selectFrom('app_user').selectAll().where('username', '=', target.username).executeTakeFirstOrThrow();
    const users: TotpUser[] = [];
    const now = Math.floor(Date.now() / 1000);
    for (let start = 0; start < count; start += 200) {
      const batch = Array.from({ length: Math.min(200, count - start) }, (_, i) => ({
        id: randomUUID(), username: `bench.totp.${start + i}`, secret: generateSecret(20),
      }));
      await store.db.transaction().execute(async (trx) => {
        await trx.insertInto('app_user').values(batch.map((u) => ({ ...template, id: u.id, username: u.username }))).execute();
        await trx.insertInto('totp_credential').values(batch.map((u) => ({
          tenant_id: template.tenant_id, user_id: u.id, status: 'active' as const, secret: box.seal(base32Encode(u.secret)),
          algorithm: 'SHA1', digits: 6, period: PERIOD, last_used_step: null, created_at: now,
        }))).execute();
      });
      users.push(...batch.map((u) => ({ username: u.username, secret: u.secret, lastStep: -1 })));
    }
    return users;
  } finally {
    await store.close();
  }
}

/** Hands out users that have not signed in during the current step; waits for the next step when all have. */
class UserPool {
  private next = 0;
  constructor(private readonly users: TotpUser[]) {}

  async take(): Promise<TotpUser> {
    for (;;) {
      const step = timeStep(Date.now() / 1000, PERIOD);
      for (let tried = 0; tried < this.users.length; tried++) {
        const user = this.users[this.next]!;
        this.next = (this.next + 1) % this.users.length;
        if (user.lastStep < step) {
          user.lastStep = step;
          return user;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** K clients for `seconds` of password + TOTP sign-ins; as runLoad, with the second step. */
export async function runTotpLoad(target: SignInTarget, users: TotpUser[], clients: number, seconds: number): Promise<LoadResult> {
  const pool = new UserPool(users);
  const agent = new Agent({ keepAlive: true, maxSockets: clients * 2 });
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const user = await pool.take();
      const began = performance.now();
      try {
        await signIn(agent, { ...target, username: user.username }, () => totp(user.secret, Date.now() / 1000, { algorithm: 'SHA1', digits: 6, period: PERIOD }));
        const ended = performance.now();
        if (ended <= deadline) latencies.push(ended - began);
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN;
  return { clients, seconds, completed: latencies.length, failed, perSecond: latencies.length / seconds, p50Ms: pct(0.5), p95Ms: pct(0.95), firstError };
}
