// Fixed-window counter of failed sign-in attempts per client IP: failed steps on the login
// pages and failed admin-API Basic credentials share one counter. In memory (one node)
// unless [redis] url is set; then in Redis, so every node counts the same attempts.
//
// An attempt is counted when it starts and handed back when it did not fail: counting only
// after the password was judged would let a burst of concurrent guesses through, all of
// them checked against a counter none of them had raised yet.
import type { Redis } from '../store/redis.js';

export interface IpLimiter {
  /** Counts an attempt from this IP; false (and not counted) when the IP has used up its attempts. */
  take(ip: string): Promise<boolean>;
  /** Hands back an attempt that did not fail (a successful sign-in is not a failed attempt). */
  refund(ip: string): Promise<void>;
}

export function createIpLimiter(max: number, windowMs: number, now: () => number = Date.now): IpLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (ip: string) => {
    const t = now();
    let w = windows.get(ip);
    if (!w || t - w.start >= windowMs) {
      w = { start: t, count: 0 };
      windows.set(ip, w);
      if (windows.size > 100_000) for (const [k, v] of windows) if (t - v.start >= windowMs) windows.delete(k);
    }
    return w;
  };
  return {
    async take(ip) {
      const w = current(ip);
      if (w.count >= max) return false;
      w.count += 1;
      return true;
    },
    async refund(ip) {
      const w = current(ip);
      if (w.count > 0) w.count -= 1;
    },
  };
}

// Both in one script each, so a window that ends in between never leaves a counter without
// an expiry (a DECR on a missing key would create one that lives for ever).
const TAKE = `
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
if count > tonumber(ARGV[2]) then redis.call('DECR', KEYS[1]) return 0 end
return 1`;
const REFUND = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

// Defined as commands: ioredis sends a script's text once per connection, then its SHA1.
interface LimiterCommands {
  gatehouseTakeAttempt(key: string, windowMs: number, max: number): Promise<number>;
  gatehouseRefundAttempt(key: string): Promise<number>;
}

/**
 * The same window in Redis. When Redis fails the attempt is let through and the failure is
 * reported: the per-account lock in the database still holds.
 */
export function createRedisIpLimiter(redis: Redis, keyPrefix: string, max: number, windowMs: number): IpLimiter {
  redis.defineCommand('gatehouseTakeAttempt', { numberOfKeys: 1, lua: TAKE });
  redis.defineCommand('gatehouseRefundAttempt', { numberOfKeys: 1, lua: REFUND });
  const commands = redis as Redis & LimiterCommands;
  const key = (ip: string) => `${keyPrefix}failed-sign-ins:${ip}`;
  // A Redis that keeps the connection open but stops answering makes commands time out
  // without the connection itself ever emitting 'error'. Re-emitted there, the failure
  // reaches the same once-a-minute reporter as a dropped connection (openRedis's onProblem).
  const report = (err: unknown) => {
    if (redis.listenerCount('error') > 0) redis.emit('error', err instanceof Error ? err : new Error(String(err)));
  };
  return {
    async take(ip) {
      try {
        return Number(await commands.gatehouseTakeAttempt(key(ip), windowMs, max)) === 1;
      } catch (err) {
        report(err);
        return true;
      }
    },
    async refund(ip) {
      await commands.gatehouseRefundAttempt(key(ip)).catch(report);
    },
  };
}
