import { createHash } from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { RateLimiter, RateLimitWindow } from './rate-limiter.js';
import { createMemoryRateLimiter } from './rate-limiter.js';

/**
 * Limiters whose counts live in Redis or PostgreSQL, so that every process of
 * a deployment enforces one limit per key. Built on `rate-limiter-flexible`
 * (atomic increments: a Lua script on Redis, an upsert on PostgreSQL). The
 * client or pool is yours: core itself depends on neither `ioredis` nor `pg`.
 *
 * Keys are stored as SHA-256 digests, never as the raw IP or address hash,
 * and expire with their window (Redis TTL; PostgreSQL rows are swept by the
 * library every 5 minutes once an hour past expiry).
 */
interface SharedLimiterOptions extends RateLimitWindow {
  /**
   * Namespaces the counters: give each limit its own (e.g. `gdpr:dsar-per-ip`).
   * Processes that must share a limit use the same prefix.
   */
  keyPrefix: string;
  /**
   * Used while the store fails, so an outage degrades to per-process limits
   * instead of refusing everyone. Default: a bounded in-memory limiter with the
   * same window. `false`: the store's failure is thrown (STORE_FAILURE).
   */
  insurance?: RateLimiter | false;
}

export interface RedisRateLimiterOptions extends SharedLimiterOptions {
  /** An `ioredis` `Redis` / `Cluster` (or `redis` v4+) client, connected by you. */
  client: object;
}

export interface PostgresRateLimiterOptions extends SharedLimiterOptions {
  /** A `pg` `Pool` (or `Client`): anything with `query({ text, values, name })`. */
  pool: { query: (...args: never[]) => unknown };
  /** Created if missing. Default: the pool's search path (usually `public`). */
  schema?: string;
  /** Created if missing. Default `gdpr_mail_rate_limits`; limits share it by `keyPrefix`. */
  table?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function assertWindow(options: RateLimitWindow, wholeSeconds: boolean) {
  const { limit, windowMs } = options;
  const validLimit = Number.isInteger(limit) && limit >= 1;
  const validWindow =
    Number.isFinite(windowMs) && windowMs >= 1000 && (!wholeSeconds || windowMs % 1000 === 0);
  if (!validLimit || !validWindow) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `A shared rate limiter needs an integer limit >= 1 and a window of at least 1000 ms${
        wholeSeconds ? ' in whole seconds' : ''
      }.`,
    );
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** Wraps a `rate-limiter-flexible` limiter in the SDK's `RateLimiter`. */
function wrap(
  consume: (key: string) => Promise<unknown>,
  options: SharedLimiterOptions,
): RateLimiter {
  const insurance =
    options.insurance === false
      ? undefined
      : (options.insurance ??
        createMemoryRateLimiter({ limit: options.limit, windowMs: options.windowMs }));
  return {
    windowMs: options.windowMs,
    async hit(key) {
      try {
        await consume(digest(key));
        return true;
      } catch (error) {
        // Over the limit: the library rejects with a RateLimiterRes, not an Error.
        if (error instanceof RateLimiterRes) return false;
        if (insurance) return insurance.hit(key);
        throw new GdprMailError('STORE_FAILURE', 'The rate-limit store failed.', {
          cause: error,
          retryable: true,
        });
      }
    },
  };
}

/** Counts in Redis, shared by every process using the same `keyPrefix`. */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  assertWindow(options, true);
  const limiter = new RateLimiterRedis({
    storeClient: options.client,
    keyPrefix: options.keyPrefix,
    points: options.limit,
    duration: options.windowMs / 1000,
  });
  return wrap((key) => limiter.consume(key), options);
}

/** Counts in a PostgreSQL table, shared by every process using the same table and `keyPrefix`. */
export function createPostgresRateLimiter(options: PostgresRateLimiterOptions): RateLimiter {
  assertWindow(options, false);
  const table = options.table ?? 'gdpr_mail_rate_limits';
  for (const name of [options.schema, table]) {
    if (name !== undefined && !IDENTIFIER.test(name)) {
      throw new GdprMailError('CONFIG_INVALID', 'Rate-limit schema and table must be identifiers.');
    }
  }
  const query = options.pool.query as unknown as (text: string) => Promise<unknown>;
  async function open(): Promise<RateLimiterPostgres> {
    if (options.schema) {
      await query
        .call(options.pool, `CREATE SCHEMA IF NOT EXISTS "${options.schema}"`)
        .catch((error: { code?: unknown }) => {
          // Two processes creating it at once: the loser sees a unique violation.
          if (error?.code !== '23505') throw error;
        });
    }
    return new Promise<RateLimiterPostgres>((resolve, reject) => {
      const limiter: RateLimiterPostgres = new RateLimiterPostgres(
        {
          storeClient: options.pool,
          storeType: 'pool',
          ...(options.schema ? { schemaName: options.schema } : {}),
          tableName: table,
          keyPrefix: options.keyPrefix,
          points: options.limit,
          duration: options.windowMs / 1000,
        },
        (error?: unknown) => (error ? reject(error) : resolve(limiter)),
      );
    });
  }
  // Opened on first use; a failed opening (database down at start) is retried on the next hit.
  let opening: Promise<RateLimiterPostgres> | undefined;
  return wrap(async (key) => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return (await opening).consume(key);
  }, options);
}
