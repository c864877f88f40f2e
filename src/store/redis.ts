// The optional Redis that several nodes share for per-IP rate limits ([redis] url).
// Loaded only when configured: a single node, and every SQLite deployment, never needs it.
import type { Redis } from 'ioredis';

export type { Redis };

export interface RedisOptions {
  /** Called when the connection fails or drops; at most once per minute, so a Redis outage is one line a minute, not one per request. */
  onProblem(message: string): void;
}

const PROBLEM_INTERVAL_MS = 60_000;

export async function openRedis(url: string, options: RedisOptions): Promise<Redis> {
  const { Redis: Client } = await import('ioredis');
  let lastProblem = 0;
  const client = new Client(url, {
    // A rate limit is a brake, not the lock (that is in the database): when Redis does not
    // answer, a command fails at once instead of waiting in a queue, and the caller lets the
    // request through. Reconnection continues in the background.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    lazyConnect: true,
  });
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastProblem < PROBLEM_INTERVAL_MS) return;
    lastProblem = now;
    options.onProblem(err.message);
  });
  // A first connection that fails (or takes longer than connectTimeout) is reported above
  // and retried in the background; start-up goes on.
  await client.connect().catch(() => undefined);
  return client;
}
