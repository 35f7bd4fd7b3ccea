import { describe, expect, it } from 'vitest';
import { createRedisSoftBounceCounter, type RedisEval } from './redis-soft-bounce-counter.js';
import { createMemorySoftBounceCounter } from './soft-bounce-counter.js';

const DAY = 24 * 3600 * 1000;

describe('createMemorySoftBounceCounter', () => {
  it('counts each bounce once and forgets those out of the window', async () => {
    const counter = createMemorySoftBounceCounter();
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(await counter.record('a', 'b1', t0, 30 * DAY)).toBe(1);
    expect(await counter.record('a', 'b1', t0, 30 * DAY)).toBe(1);
    expect(await counter.record('a', 'b2', new Date(t0.getTime() + DAY), 30 * DAY)).toBe(2);
    expect(await counter.record('other', 'b1', t0, 30 * DAY)).toBe(1);
    expect(await counter.record('a', 'b3', new Date(t0.getTime() + 31 * DAY), 30 * DAY)).toBe(2);
  });
});

describe('createRedisSoftBounceCounter', () => {
  it('runs one script on one key per address, with the time, id, window start and expiry', async () => {
    const calls: unknown[][] = [];
    const redis: RedisEval = {
      async eval(script, numKeys, ...args) {
        calls.push([numKeys, ...args]);
        expect(script).toContain("'ZADD', KEYS[1], 'NX'");
        return 4;
      },
    };
    const counter = createRedisSoftBounceCounter(redis, { prefix: 'p:' });
    const at = new Date(10 * DAY);
    expect(await counter.record('key', 'bounce:1', at, DAY)).toBe(4);
    expect(calls).toEqual([[1, 'p:key', 10 * DAY, 'bounce:1', 9 * DAY, DAY]]);
  });
});
