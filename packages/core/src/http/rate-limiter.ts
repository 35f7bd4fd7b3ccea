/**
 * Fixed-window counters keyed by caller (IP, address hash). The in-memory
 * implementation is per process: behind several processes, pass a shared one
 * (e.g. on Redis) implementing the same interface.
 */
export interface RateLimiter {
  /** Counts one hit for `key`; false when the key is over its limit in this window. */
  hit(key: string): Promise<boolean>;
}

export interface MemoryRateLimiterOptions {
  limit: number;
  windowMs: number;
  now?: () => number;
  /** Bound on tracked keys, so a flood of distinct keys cannot exhaust memory. */
  maxKeys?: number;
}

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async hit(key) {
      const t = now();
      let entry = windows.get(key);
      if (!entry || t - entry.start >= options.windowMs) {
        if (!entry && windows.size >= maxKeys) {
          for (const [k, v] of windows) {
            if (t - v.start >= options.windowMs) windows.delete(k);
          }
          // Still full of live windows: refuse rather than grow without bound.
          if (windows.size >= maxKeys) return false;
        }
        entry = { start: t, count: 0 };
        windows.set(key, entry);
      }
      entry.count += 1;
      return entry.count <= options.limit;
    },
  };
}
