import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { testConfig } from '../testing/fixtures.js';
import { requireService } from '../testing/require-service.js';
import type { RateLimiter } from './rate-limiter.js';
import { createPostgresRateLimiter, createRedisRateLimiter } from './shared-rate-limiters.js';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = { host: '127.0.0.1', port: 6379 } as const;
const unique = () => randomUUID().replaceAll('-', '').slice(0, 12);

const redisGate = await requireService('Redis at 127.0.0.1:6379', async () => {
  const probe = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } finally {
    probe.disconnect();
  }
});

const postgresGate = await requireService(
  'PostgreSQL at 127.0.0.1:5432 (database test)',
  async () => {
    const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await probe.query('SELECT 1');
    } finally {
      await probe.end();
    }
  },
);

/** Two "processes": separate limiter instances on separate connections, one limit. */
async function expectShared(a: RateLimiter, b: RateLimiter) {
  expect(await a.hit('198.51.100.7')).toBe(true);
  expect(await b.hit('198.51.100.7')).toBe(true);
  expect(await a.hit('198.51.100.7')).toBe(true);
  // The fourth hit, wherever it lands, is over the limit of 3.
  expect(await b.hit('198.51.100.7')).toBe(false);
  expect(await a.hit('198.51.100.7')).toBe(false);
  // Another key has its own count.
  expect(await b.hit('198.51.100.8')).toBe(true);
}

redisGate.describe(
  '#19 finding 4: limiter saturation — Redis shares counts across processes',
  () => {
    const prefix = `gm_test_rl_${unique()}`;
    let one: Redis;
    let two: Redis;
    beforeAll(() => {
      one = new Redis(REDIS);
      two = new Redis(REDIS);
    });
    afterAll(async () => {
      const keys = await one.keys(`${prefix}*`);
      if (keys.length > 0) await one.del(...keys);
      one.disconnect();
      two.disconnect();
    });

    it('counts one limit across two limiter instances, keys stored hashed', async () => {
      const options = { keyPrefix: prefix, limit: 3, windowMs: 60_000 };
      const a = createRedisRateLimiter({ ...options, client: one, insurance: false });
      const b = createRedisRateLimiter({ ...options, client: two, insurance: false });
      await expectShared(a, b);
      const keys = await one.keys(`${prefix}*`);
      expect(keys).toHaveLength(2);
      expect(keys.join()).not.toContain('198.51.100');
      expect(await one.pttl(keys[0]!)).toBeGreaterThan(0);
    });

    it('REQ-21: two SDK instances configured with dsar.rateLimiters share the per-IP DSAR limit', async () => {
      const store = new MemoryStore();
      const instance = (client: Redis) =>
        createGdprMail(
          testConfig({
            store,
            dsar: {
              perIpPerHour: 2,
              rateLimiters: (name, window) =>
                createRedisRateLimiter({ client, keyPrefix: `${prefix}:${name}`, ...window }),
            },
          }),
        );
      const first = instance(one);
      const second = instance(two);
      const ask = { email: 'nobody@example.org', type: 'access', ip: '203.0.113.9' } as const;
      await first.dsar.request(ask);
      await second.dsar.request(ask);
      await expect(first.dsar.request(ask)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(await one.keys(`${prefix}:dsar-per-ip:*`)).toHaveLength(1);
    });

    it('falls back to the insurance limiter when Redis is down, instead of failing', async () => {
      const dead = new Redis({
        port: 1,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      dead.on('error', () => {});
      const options = { client: dead, keyPrefix: prefix, limit: 1, windowMs: 60_000 };
      const insured = createRedisRateLimiter(options);
      expect(await insured.hit('k')).toBe(true);
      expect(await insured.hit('k')).toBe(false);
      await expect(
        createRedisRateLimiter({ ...options, insurance: false }).hit('k'),
      ).rejects.toMatchObject({
        code: 'STORE_FAILURE',
      });
      dead.disconnect();
    });
  },
);

postgresGate.describe(
  '#19 finding 4: limiter saturation — PostgreSQL shares counts across processes',
  () => {
    const schema = `gm_test_rl_${unique()}`;
    let one: pg.Pool;
    let two: pg.Pool;
    beforeAll(() => {
      one = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
      two = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    });
    afterAll(async () => {
      await one.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await one.end();
      await two.end();
    });

    it('counts one limit across two limiter instances, keys stored hashed', async () => {
      const options = { schema, keyPrefix: 'dsar-per-ip', limit: 3, windowMs: 60_000 };
      const a = createPostgresRateLimiter({ ...options, pool: one, insurance: false });
      const b = createPostgresRateLimiter({ ...options, pool: two, insurance: false });
      await expectShared(a, b);
      const { rows } = await one.query<{ key: string; points: number }>(
        `SELECT key, points FROM "${schema}".gdpr_mail_rate_limits ORDER BY points DESC`,
      );
      expect(rows.map((r) => r.points)).toEqual([5, 1]);
      expect(rows.map((r) => r.key).join()).not.toContain('198.51.100');
    });

    it('rejects identifiers that are not plain names', () => {
      expect(() =>
        createPostgresRateLimiter({
          pool: one,
          schema: 'x"; DROP TABLE y; --',
          keyPrefix: 'p',
          limit: 1,
          windowMs: 1000,
        }),
      ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    });
  },
);
