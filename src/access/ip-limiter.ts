// Fixed-window counter per client IP, in memory (one node). Used for failed admin-API
// Basic credentials; the login POST uses @fastify/rate-limit with the same settings.
export interface IpLimiter {
  /** true when this IP has used up its attempts in the current window. */
  blocked(ip: string): boolean;
  hit(ip: string): void;
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
    blocked: (ip) => current(ip).count >= max,
    hit: (ip) => { current(ip).count += 1; },
  };
}
