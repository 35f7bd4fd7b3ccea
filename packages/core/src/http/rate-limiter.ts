/**
 * Fixed-window counters keyed by caller (IP, address hash). The in-memory
 * implementation is per process: behind several processes, share one through
 * Redis or PostgreSQL (`createRedisRateLimiter`, `createPostgresRateLimiter`
 * from `@gdpr-mail/core/http`), or pass your own implementing this interface.
 */
export interface RateLimiter {
  /** Counts one hit for `key`; false when the key is over its limit in this window. */
  hit(key: string): Promise<boolean>;
  /**
   * The window's length, when the limiter knows it: a refused caller is told to
   * retry after it (`Retry-After`), the longest it can have to wait.
   */
  readonly windowMs?: number;
}

/** The window a limiter enforces: `limit` hits per `windowMs` per key. */
export interface RateLimitWindow {
  limit: number;
  windowMs: number;
}

/**
 * Builds the limiter for one of the SDK's named limits (e.g. `dsar-per-ip`),
 * so that a deployment can back all of them with one shared store, e.g.
 * `(name, w) => createRedisRateLimiter({ client, keyPrefix: `gdpr:${name}`, ...w })`.
 */
export type RateLimiterFactory = (name: string, window: RateLimitWindow) => RateLimiter;

export interface MemoryRateLimiterOptions extends RateLimitWindow {
  now?: () => number;
  /**
   * Bound on tracked keys (default 100,000), so a flood of distinct keys cannot
   * exhaust memory. When full, the key whose window started first is forgotten
   * (expired ones first): a new key is never refused because the table is full.
   */
  maxKeys?: number;
}

/**
 * In-process limiter with bounded memory. Entries are kept in the order their
 * window started, so expired windows sit at the front and are swept in O(1)
 * amortised per hit; when the table is still full, the oldest live window is
 * evicted. The price of the bound: a caller able to present more than
 * `maxKeys` distinct keys within one window can push a key out early and so
 * reset its count. Size `maxKeys` above your honest traffic, or share a store.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter & {
  /** Keys currently tracked (never more than `maxKeys`). */
  readonly size: number;
} {
  const now = options.now ?? Date.now;
  const maxKeys = Math.max(1, options.maxKeys ?? 100_000);
  const { limit, windowMs } = options;
  const windows = new Map<string, { start: number; count: number }>();

  function sweepExpired(t: number) {
    for (const [k, v] of windows) {
      if (t - v.start < windowMs) break;
      windows.delete(k);
    }
  }

  return {
    windowMs,
    get size() {
      return windows.size;
    },
    async hit(key) {
      const t = now();
      let entry = windows.get(key);
      if (!entry || t - entry.start >= windowMs) {
        // A (re)started window moves to the back: the map stays in start order.
        if (entry) windows.delete(key);
        sweepExpired(t);
        while (windows.size >= maxKeys) {
          const oldest = windows.keys().next().value as string;
          windows.delete(oldest);
        }
        entry = { start: t, count: 0 };
        windows.set(key, entry);
      }
      entry.count += 1;
      return entry.count <= limit;
    },
  };
}
