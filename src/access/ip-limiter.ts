// Fixed-window counter of failed sign-in attempts per client IP: failed steps on the login
// pages and failed admin-API Basic credentials share one counter. In memory (one node)
// unless [redis] url is set; then in Redis, so every node counts the same attempts.
import type { Redis } from '../store/redis.js';

export interface IpLimiter {
  /** true when this IP has used up its attempts in the current window. */
  blocked(ip: string): Promise<boolean>;
  hit(ip: string): Promise<void>;
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
    blocked: async (ip) => current(ip).count >= max,
    hit: async (ip) => { current(ip).count += 1; },
  };
}

/**
 * The same window in Redis: the first hit creates the key with the window as its expiry,
 * in the same transaction as the increment, so a counter never outlives its window.
 * When Redis fails the attempt is let through (and reported by the connection): the
 * per-account lock in the database still holds.
 */
export function createRedisIpLimiter(redis: Redis, keyPrefix: string, max: number, windowMs: number): IpLimiter {
  const key = (ip: string) => `${keyPrefix}failed-sign-ins:${ip}`;
  return {
    async blocked(ip) {
      try {
        return Number(await redis.get(key(ip)) ?? 0) >= max;
      } catch {
        return false;
      }
    },
    async hit(ip) {
      await redis.multi().set(key(ip), 0, 'PX', windowMs, 'NX').incr(key(ip)).exec().catch(() => undefined);
    },
  };
}
