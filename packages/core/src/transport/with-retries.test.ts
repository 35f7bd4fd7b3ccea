import { describe, expect, it } from 'vitest';
import { InMemoryTransport } from './memory-transport.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { fullJitterDelay, withRetries } from './with-retries.js';

const msg = (to: string): OutgoingMessage => ({
  from: 'news@shop.example',
  to,
  subject: 'Hi',
  text: 'Hello',
});

/** A sleep that records what it was asked for and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    waits.push(ms);
    return !signal?.aborted;
  };
  return { waits, sleep };
}

describe('fullJitterDelay', () => {
  it('draws between 0 and the exponential cap, capped by maxDelayMs', () => {
    expect(fullJitterDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(fullJitterDelay(20, 100, 10_000, () => 0.5)).toBe(5000);
    expect(fullJitterDelay(4, 100, 10_000, () => 0)).toBe(0);
  });
});

describe('withRetries', () => {
  it('retries a transient failure with backoff until it is accepted', async () => {
    const inner = new InMemoryTransport().failFor('a@example.test', 'transient', { times: 2 });
    const { waits, sleep } = recordingSleep();
    const transport = withRetries(inner, {
      maxAttempts: 3,
      baseDelayMs: 100,
      sleep,
      random: () => 0.5,
    });
    const result = await transport.send(msg('a@example.test'));
    expect(result).toMatchObject({ status: 'accepted', attempts: 3 });
    expect(waits).toEqual([50, 100]);
    expect(inner.sentTo('a@example.test')).toHaveLength(1);
  });

  it('gives up after maxAttempts and returns the last failure', async () => {
    const inner = new InMemoryTransport().failFor('a@example.test', 'transient');
    const { waits, sleep } = recordingSleep();
    const result = await withRetries(inner, { maxAttempts: 4, sleep }).send(msg('a@example.test'));
    expect(result).toMatchObject({ status: 'failed', attempts: 4, error: { retryable: true } });
    expect(inner.attempts.get('a@example.test')).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it.each(['rejected', 'invalid', 'auth', 'account-blocked'] as const)(
    'never retries a %s failure',
    async (category) => {
      const inner = new InMemoryTransport().failFor('a@example.test', category);
      const { waits, sleep } = recordingSleep();
      const result = await withRetries(inner, { sleep }).send(msg('a@example.test'));
      expect(result).toMatchObject({ status: 'failed', attempts: 1 });
      expect(inner.attempts.get('a@example.test')).toBe(1);
      expect(waits).toEqual([]);
    },
  );

  it('never retries an ambiguous result: the message may already be in the inbox', async () => {
    const inner = new InMemoryTransport().ambiguousFor('a@example.test', { times: 1 });
    const { sleep } = recordingSleep();
    const result = await withRetries(inner, { sleep }).send(msg('a@example.test'));
    expect(result).toMatchObject({ status: 'ambiguous', attempts: 1 });
    expect(inner.sentTo('a@example.test')).toHaveLength(1);
  });

  it('waits at least retryAfterMs, and hands back a hint longer than maxDelayMs', async () => {
    const inner = new InMemoryTransport().failFor('a@example.test', 'rate-limited', {
      retryAfterMs: 2000,
      times: 1,
    });
    const { waits, sleep } = recordingSleep();
    const retried = withRetries(inner, { baseDelayMs: 100, sleep, random: () => 0.99 });
    expect(await retried.send(msg('a@example.test'))).toMatchObject({ status: 'accepted' });
    expect(waits).toEqual([2000]);

    const tooLong = new InMemoryTransport().failFor('b@example.test', 'rate-limited', {
      retryAfterMs: 120_000,
    });
    const result = await withRetries(tooLong, { maxDelayMs: 30_000, sleep }).send(
      msg('b@example.test'),
    );
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { retryAfterMs: 120_000 },
    });
  });

  it('stops retrying when the signal aborts during the wait', async () => {
    const inner = new InMemoryTransport().failFor('a@example.test', 'transient');
    const controller = new AbortController();
    const sleep = async () => {
      controller.abort();
      return false;
    };
    const result = await withRetries(inner, { sleep }).send(msg('a@example.test'), {
      signal: controller.signal,
    });
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(inner.attempts.get('a@example.test')).toBe(1);
  });

  it('retries only the retryable messages of a batch and keeps results in order', async () => {
    const inner = new InMemoryTransport()
      .failFor('t@example.test', 'transient', { times: 1 })
      .failFor('r@example.test', 'rejected')
      .ambiguousFor('m@example.test', { times: 1 });
    const { waits, sleep } = recordingSleep();
    const transport = withRetries(inner, { sleep, random: () => 0 });
    const results = await transport.sendBatch([
      msg('ok@example.test'),
      msg('t@example.test'),
      msg('r@example.test'),
      msg('m@example.test'),
    ]);
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['accepted', 1],
      ['accepted', 2],
      ['failed', 1],
      ['ambiguous', 1],
    ]);
    expect(waits).toEqual([0]);
    expect(inner.attempts.get('ok@example.test')).toBe(1);
    expect(inner.attempts.get('r@example.test')).toBe(1);
    expect(inner.attempts.get('m@example.test')).toBe(1);
    expect(await transport.sendBatch([])).toEqual([]);
  });

  it('keeps the wrapped transport’s identity, verify and close', async () => {
    const inner = new InMemoryTransport();
    const transport = withRetries(inner);
    expect(transport.name).toBe('memory');
    expect(transport.processor).toBe(inner.processor);
    await transport.verify?.();
    await transport.close?.();
    expect((await inner.send(msg('a@example.test'))).status).toBe('failed');
  });
});
