import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

/** Documents: breach incidents with optimistic versions. */
export function runDocumentConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('documents', name, makeStore, options, (test, current) => {
    test(
      'documents.breach-versions',
      'stores breach incidents with optimistic versions',
      async () => {
        const store = current();
        const awareAt = new Date('2026-03-02T08:00:00.000Z');
        const incident = {
          id: randomUUID(),
          title: 'Lost laptop',
          awareAt,
          notifyBy: new Date(awareAt.getTime() + 72 * 3_600_000),
          nature: {
            description: 'd',
            subjectCategories: ['s'],
            approxSubjects: 1,
            recordCategories: ['r'],
            approxRecords: 1,
          },
          contact: { name: 'DPO', email: 'dpo@example.test' },
          likelyConsequences: 'c',
          measures: 'm',
          risk: 'risk' as const,
          encryptionException: false,
          status: 'open' as const,
          phases: [{ kind: 'opened' as const, at: awareAt, note: 'n', actor: 'a' }],
          version: 1,
        };
        await store.putBreach(incident, 0);
        expect(await store.getBreach(incident.id)).toEqual(incident);
        await expect(store.putBreach(incident, 0)).rejects.toSatisfy((e) =>
          isGdprMailError(e, 'STORE_CONFLICT'),
        );
        const closed = { ...incident, status: 'closed' as const, closedAt: new Date(), version: 2 };
        await store.putBreach(closed, 1);
        await expect(store.putBreach({ ...incident, version: 2 }, 1)).rejects.toSatisfy((e) =>
          isGdprMailError(e, 'STORE_CONFLICT'),
        );
        expect(await store.getBreach(incident.id)).toEqual(closed);
        expect(await store.listBreaches({ status: 'open', limit: 10 })).toEqual([]);
        expect(await store.listBreaches({ status: 'closed', limit: 10 })).toEqual([closed]);
      },
    );
  });
}
