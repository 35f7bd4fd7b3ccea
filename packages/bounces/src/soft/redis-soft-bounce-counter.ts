import type { SoftBounceCounter } from './soft-bounce-counter.js';

/** What the counter needs of a Redis client: `eval`, as ioredis and node-redis v4 (`sendCommand` aside) have it. */
export interface RedisEval {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// One sorted set per address: member = bounce id (so a replay adds nothing),
// score = time; old members leave with the window; the key expires with it.
const RECORD = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Soft bounces counted in Redis, shared by every process that reads the
 * mailbox and surviving their crashes. Keys: `{prefix}{addressKey}`.
 */
export function createRedisSoftBounceCounter(
  redis: RedisEval,
  options: { prefix?: string } = {},
): SoftBounceCounter {
  const prefix = options.prefix ?? 'gdpr-mail:soft-bounces:';
  return {
    async record(addressKey, bounceId, at, windowMs) {
      const now = at.getTime();
      const count = await redis.eval(
        RECORD,
        1,
        `${prefix}${addressKey}`,
        now,
        bounceId,
        now - windowMs,
        windowMs,
      );
      return Number(count);
    },
  };
}
