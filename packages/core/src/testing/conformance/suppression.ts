import { expect } from 'vitest';
import type { SuppressionEntry, SuppressionReason } from '../../store/store-types.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

function entryOf(hash: string, reason: SuppressionReason, day: number): SuppressionEntry {
  return {
    hash: hash.repeat(64),
    reason,
    at: new Date(Date.UTC(2026, 3, day)),
    source: `conformance:${reason}`,
  };
}

/**
 * Suppression: an idempotent list of keyed hashes, one entry per hash, whose
 * reason only ever gets stronger (erased > hard-bounce = complaint = manual >
 * unsubscribed-all).
 */
export function runSuppressionConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('suppression', name, makeStore, options, (test, current) => {
    test(
      'suppression.idempotent',
      'keeps suppression entries idempotent and removable',
      async () => {
        const store = current();
        const entry = {
          hash: 'c'.repeat(64),
          reason: 'complaint' as const,
          at: new Date('2026-04-01T00:00:00.000Z'),
          source: 'ses',
        };
        expect(await store.addSuppression(entry)).toBe(true);
        expect(await store.addSuppression({ ...entry, reason: 'manual' })).toBe(false);
        expect(await store.getSuppression(entry.hash)).toEqual(entry);
        expect(await store.removeSuppression(entry.hash)).toBe(true);
        expect(await store.removeSuppression(entry.hash)).toBe(false);
        expect(await store.getSuppression(entry.hash)).toBeUndefined();
      },
    );

    // REQ-28: kept as `unsubscribed-all`, a bounced or complaining address would
    // still get transactional mail and be unblocked by the person's next opt-in.
    test(
      'suppression.upgrade',
      'replaces an entry with a stronger reason, never with an equal or weaker one',
      async () => {
        const store = current();
        const unsubscribed = entryOf('d', 'unsubscribed-all', 1);
        expect(await store.addSuppression(unsubscribed)).toBe(true);
        const bounced = entryOf('d', 'hard-bounce', 2);
        expect(await store.addSuppression(bounced)).toBe(true);
        // The entry is the stronger one's, date and source included.
        expect(await store.getSuppression(unsubscribed.hash)).toEqual(bounced);
        // Equal strength keeps the first; weaker never replaces.
        expect(await store.addSuppression(entryOf('d', 'complaint', 3))).toBe(false);
        expect(await store.addSuppression(entryOf('d', 'manual', 3))).toBe(false);
        expect(await store.addSuppression(entryOf('d', 'unsubscribed-all', 3))).toBe(false);
        expect(await store.getSuppression(unsubscribed.hash)).toEqual(bounced);
        const erased = entryOf('d', 'erased', 4);
        expect(await store.addSuppression(erased)).toBe(true);
        for (const reason of ['hard-bounce', 'complaint', 'manual', 'unsubscribed-all'] as const) {
          expect(await store.addSuppression(entryOf('d', reason, 5))).toBe(false);
        }
        expect(await store.getSuppression(unsubscribed.hash)).toEqual(erased);
        // Inside a transaction too, and seen by the batch read.
        expect(
          await store.transaction(async (tx) => {
            await tx.addSuppression(entryOf('e', 'unsubscribed-all', 1));
            return tx.addSuppression(entryOf('e', 'complaint', 2));
          }),
        ).toBe(true);
        expect(await store.getSuppressions(['d'.repeat(64), 'e'.repeat(64)])).toEqual(
          expect.arrayContaining([erased, entryOf('e', 'complaint', 2)]),
        );
      },
    );

    test(
      'suppression.upgrade-concurrent',
      'keeps the strongest reason when adds for one hash race',
      async () => {
        const store = current();
        const races: [string, SuppressionReason[]][] = [
          ['1', ['unsubscribed-all', 'hard-bounce']],
          ['2', ['hard-bounce', 'unsubscribed-all']],
          ['3', ['unsubscribed-all', 'complaint', 'erased', 'manual']],
          ['4', ['erased', 'unsubscribed-all', 'complaint']],
        ];
        await Promise.all(
          races.flatMap(([hash, reasons]) =>
            reasons.map((reason, i) => store.addSuppression(entryOf(hash, reason, i + 1))),
          ),
        );
        const held = await store.getSuppressions(races.map(([hash]) => hash.repeat(64)));
        expect(new Map(held.map((e) => [e.hash[0], e.reason]))).toEqual(
          new Map([
            ['1', 'hard-bounce'],
            ['2', 'hard-bounce'],
            ['3', 'erased'],
            ['4', 'erased'],
          ]),
        );
      },
      { requires: 'concurrency' },
    );
  });
}
