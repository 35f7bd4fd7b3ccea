import { describe, expect, it } from 'vitest';
import { InMemoryTransport } from './memory-transport.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { resilientTransport } from './resilient-transport.js';
import { TokenBucket } from './token-bucket.js';
import { withRateLimit } from './with-rate-limit.js';

const msg = (to: string): OutgoingMessage => ({
  from: 'news@shop.example',
  to,
  subject: 'Hi',
  text: 'Hello',
});

/** A clock that only moves when someone sleeps on it. */
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return false;
      waits.push(ms);
      now += ms;
      return true;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then one token per 1/rate seconds', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, ...time });
    for (let i = 0; i < 3; i++) expect(await bucket.take()).toBe(true);
    expect(time.now()).toBe(0);
    await bucket.take();
    expect(time.now()).toBe(100);
    await bucket.take(2);
    expect(time.now()).toBe(300);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 2, ...time });
    await bucket.take(2);
    time.advance(60_000);
    await bucket.take(2);
    expect(time.waits).toEqual([]);
    await bucket.take(1);
    expect(time.waits).toEqual([500]);
  });

  it('serves waiters in order and reports an abort', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, ...time });
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        bucket.take().then(() => {
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(time.now()).toBe(2000);
    const controller = new AbortController();
    controller.abort();
    expect(await bucket.take(1, controller.signal)).toBe(false);
    expect(() => bucket.take(2)).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});

describe('withRateLimit', () => {
  it('paces single sends and batches to the rate, batches in chunks of at most burst', async () => {
    const time = fakeTime();
    const inner = new InMemoryTransport();
    const calls: number[] = [];
    const original = inner.sendBatch.bind(inner);
    inner.sendBatch = (messages, options) => {
      calls.push(messages.length);
      return original(messages, options);
    };
    const transport = withRateLimit(inner, { ratePerSecond: 5, burst: 2, ...time });
    const batch = Array.from({ length: 5 }, (_, i) => msg(`r${i}@example.test`));
    const results = await transport.sendBatch(batch);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('accepted'));
    expect(calls).toEqual([2, 2, 1]);
    expect(time.now()).toBe(600);
    await transport.send(msg('one@example.test'));
    expect(time.now()).toBe(800);
    expect(inner.sent.map((s) => s.message.to.address)).toEqual([
      ...batch.map((m) => m.to),
      'one@example.test',
    ]);
  });

  it('answers aborted for what it had not handed over when the wait is aborted', async () => {
    const time = fakeTime();
    const inner = new InMemoryTransport();
    const controller = new AbortController();
    // The second chunk has to wait for a token; the caller gives up during that wait.
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      burst: 1,
      now: time.now,
      sleep: async () => {
        controller.abort();
        return false;
      },
    });
    const results = await withRateLimit(inner, { bucket }).sendBatch(
      [msg('a@example.test'), msg('b@example.test'), msg('c@example.test')],
      { signal: controller.signal },
    );
    expect(results.map((r) => (r.status === 'failed' ? r.error.category : r.status))).toEqual([
      'accepted',
      'aborted',
      'aborted',
    ]);
    expect(inner.sent).toHaveLength(1);
  });
});

describe('resilientTransport', () => {
  it('retries through the rate limit: every attempt waits for its token', async () => {
    const time = fakeTime();
    const inner = new InMemoryTransport().failFor('a@example.test', 'transient', { times: 1 });
    const transport = resilientTransport(inner, {
      rateLimit: { ratePerSecond: 1, burst: 1, now: time.now, sleep: time.sleep },
      retry: { sleep: async () => true, random: () => 0 },
    });
    const result = await transport.send(msg('a@example.test'));
    expect(result).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(time.now()).toBe(1000);
  });
});
