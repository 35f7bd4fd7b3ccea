import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { OutboxItem } from '../../store/store-types.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

const outboxAt = new Date('2026-04-01T09:00:00.000Z');
const later = (ms: number) => new Date(outboxAt.getTime() + ms);
const outboxItem = (n: number, overrides: Partial<OutboxItem> = {}): OutboxItem => ({
  id: `ob-${String(n).padStart(3, '0')}-${randomUUID()}`,
  kind: 'signup',
  payload: `g1.sealed-${n}`,
  createdAt: later(n),
  availableAt: later(n),
  attempts: 0,
  ...overrides,
});

/** Outbox (issue #19): leases, take-over of a crashed drainer's items, one claimer per item. */
export function runOutboxConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('outbox', name, makeStore, options, (test, current) => {
    test(
      'outbox.lease-and-complete',
      'leases outbox items oldest first, only when available, and deletes them for their holder only',
      async () => {
        const store = current();
        const first = outboxItem(1);
        const second = outboxItem(2);
        const future = outboxItem(3, { availableAt: later(60_000) });
        for (const item of [second, future, first]) await store.enqueueOutbox(item);
        const claimed = await store.claimOutbox({
          now: later(10),
          leaseUntil: later(30_000),
          owner: 'a',
          limit: 10,
        });
        expect(claimed.map((i) => i.id)).toEqual([first.id, second.id]);
        expect(claimed[0]).toEqual({
          ...first,
          attempts: 1,
          leaseOwner: 'a',
          leaseUntil: later(30_000),
        });
        // Held items are not claimed again while the lease runs.
        expect(
          await store.claimOutbox({
            now: later(20),
            leaseUntil: later(30_000),
            owner: 'b',
            limit: 10,
          }),
        ).toEqual([]);
        expect(await store.completeOutbox(first.id, 'b')).toBe(false);
        expect(await store.completeOutbox(first.id, 'a')).toBe(true);
        expect(await store.completeOutbox(first.id, 'a')).toBe(false);
        expect((await store.listOutbox(10)).map((i) => i.id)).toEqual([second.id, future.id]);
      },
    );
    test(
      'outbox.release-retry',
      'releases an outbox item for a later retry with its error code',
      async () => {
        const store = current();
        const item = outboxItem(1);
        await store.enqueueOutbox(item);
        await store.claimOutbox({ now: later(1), leaseUntil: later(30_000), owner: 'a', limit: 1 });
        expect(
          await store.releaseOutbox(item.id, 'b', { availableAt: later(5000), lastError: 'X' }),
        ).toBe(false);
        expect(
          await store.releaseOutbox(item.id, 'a', {
            availableAt: later(5000),
            lastError: 'TRANSPORT_FAILED',
          }),
        ).toBe(true);
        const [released] = await store.listOutbox(10);
        expect(released).toEqual({
          ...item,
          availableAt: later(5000),
          attempts: 1,
          lastError: 'TRANSPORT_FAILED',
        });
        // Not before its back-off; then claimed again, the attempt counted.
        expect(
          await store.claimOutbox({
            now: later(4999),
            leaseUntil: later(60_000),
            owner: 'b',
            limit: 1,
          }),
        ).toEqual([]);
        const [again] = await store.claimOutbox({
          now: later(5000),
          leaseUntil: later(60_000),
          owner: 'b',
          limit: 1,
        });
        expect(again).toMatchObject({ id: item.id, attempts: 2, leaseOwner: 'b' });
      },
    );
    test(
      'outbox.release-progress',
      "replaces an outbox item's payload when a release carries the work's progress",
      async () => {
        const store = current();
        const item = outboxItem(1);
        await store.enqueueOutbox(item);
        await store.claimOutbox({ now: later(1), leaseUntil: later(30_000), owner: 'a', limit: 1 });
        // Another drainer's progress is refused with its release.
        expect(
          await store.releaseOutbox(item.id, 'b', { availableAt: later(5000), payload: 'x' }),
        ).toBe(false);
        expect(
          await store.releaseOutbox(item.id, 'a', {
            availableAt: later(5000),
            lastError: 'TRANSPORT_FAILED',
            payload: 'sealed-progress',
          }),
        ).toBe(true);
        const [again] = await store.claimOutbox({
          now: later(5000),
          leaseUntil: later(60_000),
          owner: 'b',
          limit: 1,
        });
        expect(again).toMatchObject({ id: item.id, payload: 'sealed-progress', attempts: 2 });
        // A release without a payload keeps the last one.
        await store.releaseOutbox(item.id, 'b', { availableAt: later(6000) });
        expect((await store.listOutbox(10))[0]?.payload).toBe('sealed-progress');
      },
    );
    test(
      'outbox.lease-takeover',
      "takes over an outbox item whose drainer's lease ran out, and fences the old drainer",
      async () => {
        const store = current();
        const item = outboxItem(1);
        await store.enqueueOutbox(item);
        await store.claimOutbox({
          now: later(1),
          leaseUntil: later(1000),
          owner: 'crashed',
          limit: 5,
        });
        expect(
          await store.claimOutbox({
            now: later(999),
            leaseUntil: later(9000),
            owner: 'b',
            limit: 5,
          }),
        ).toEqual([]);
        const taken = await store.claimOutbox({
          now: later(1000),
          leaseUntil: later(9000),
          owner: 'b',
          limit: 5,
        });
        expect(taken).toMatchObject([{ id: item.id, attempts: 2, leaseOwner: 'b' }]);
        // The first drainer, back to life, can neither finish nor release it.
        expect(await store.completeOutbox(item.id, 'crashed')).toBe(false);
        expect(await store.releaseOutbox(item.id, 'crashed', { availableAt: later(0) })).toBe(
          false,
        );
        expect(await store.completeOutbox(item.id, 'b')).toBe(true);
        expect(await store.listOutbox(10)).toEqual([]);
      },
    );
    test(
      'outbox.concurrent-claims',
      'never gives one outbox item to two concurrent claimers',
      async () => {
        const store = current();
        const items = Array.from({ length: 30 }, (_, n) => outboxItem(n));
        for (const item of items) await store.enqueueOutbox(item);
        const claimer = async (owner: string) => {
          const got: string[] = [];
          for (;;) {
            const batch = await store.claimOutbox({
              now: later(1000),
              leaseUntil: later(60_000),
              owner,
              limit: 4,
            });
            if (batch.length === 0) return got;
            got.push(...batch.map((i) => i.id));
          }
        };
        const [a, b, c] = await Promise.all([claimer('a'), claimer('b'), claimer('c')]);
        const all = [...a!, ...b!, ...c!];
        expect(new Set(all).size).toBe(all.length);
        expect(all.sort()).toEqual(items.map((i) => i.id).sort());
        const held = await store.listOutbox(100);
        expect(held.every((i) => i.attempts === 1)).toBe(true);
      },
      { requires: 'concurrency' },
    );
    test(
      'outbox.transaction-rollback',
      'drops an outbox item enqueued in a transaction that throws',
      async () => {
        const store = current();
        await expect(
          store.transaction(async (tx) => {
            await tx.enqueueOutbox(outboxItem(1));
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        expect(await store.listOutbox(10)).toEqual([]);
      },
    );
  });
}
