import { expect } from 'vitest';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

/** Suppression: an idempotent list of keyed hashes. */
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
  });
}
