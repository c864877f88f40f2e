// argon2id throughput with the server's own function and parameters. @node-rs/argon2 runs
// each hash on a libuv pool thread, so `concurrency` calls are kept in flight at once,
// the same number as the sign-in clients, in one Node process like the server's.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { hashPassword, ARGON2_OPTIONS } from '../src/users/password.js';

export { ARGON2_OPTIONS };

export interface HashRate {
  concurrency: number;
  seconds: number;
  hashes: number;
  perSecond: number;
}

export async function measureHashRate(concurrency: number, seconds: number): Promise<HashRate> {
  // Warm up: the first call loads the native module and touches the memory.
  await Promise.all(Array.from({ length: concurrency }, () => hashPassword(randomBytes(12).toString('hex'))));
  let hashes = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      await hashPassword(randomBytes(12).toString('hex'));
      if (performance.now() <= deadline) hashes += 1;
    }
  }));
  return { concurrency, seconds, hashes, perSecond: hashes / seconds };
}
