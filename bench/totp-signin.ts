// Password + TOTP sign-ins for `npm run bench`. A time step accepts each user once (replay
// protection), so the bench signs in many users, each at most once per 30-second step.
// The users and their TOTP secrets are written straight into the store (with the server's
// encryption key), as if each had enrolled earlier: provisioning is not what is measured.
import { randomUUID } from 'node:crypto';
import { openStore } from '../src/store/connect.js';
import { createSecretBox, loadEncryptionKey } from '../src/crypto/secret-box.js';
import { base32Encode, generateSecret, totp, timeStep } from '../src/otp/index.js';
import { runClients, signIn, type LoadResult, type SignInTarget } from './signin-load.js';

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
export function runTotpLoad(target: SignInTarget, users: TotpUser[], clients: number, seconds: number): Promise<LoadResult> {
  const pool = new UserPool(users);
  return runClients(clients, seconds, async () => {
    const user = await pool.take();
    // The code of the step the user was taken in, not of the moment the page is posted: a
    // sign-in that crosses into the next step would otherwise spend that step's code, and
    // the same user, handed out again in it, would replay it (the server accepts the
    // previous step's code, windowSize 3).
    const step = user.lastStep;
    return (agent) => signIn(agent, { ...target, username: user.username }, () => totp(user.secret, step * PERIOD, { algorithm: 'SHA1', digits: 6, period: PERIOD }));
  });
}
