import { expect } from 'vitest';
import { appendConsentEvents } from '../../consent/append-events.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

/** Transactions: all or nothing, and the committed value. */
export function runTransactionConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('transactions', name, makeStore, options, (test, current) => {
    test(
      'transactions.rollback',
      'rolls back every write of a transaction that throws',
      async () => {
        const store = current();
        const subject = subjectRecord();
        await expect(
          store.transaction(async (tx) => {
            await tx.createSubject(subject);
            await appendConsentEvents(
              tx,
              subject.id,
              [{ type: 'granted', purposeId: 'newsletter', proof }],
              new Date(),
            );
            await tx.addSuppression({
              hash: 'f'.repeat(64),
              reason: 'manual',
              at: new Date(),
              source: 't',
            });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.getSubject(subject.id)).toBeUndefined();
        expect(await store.listConsentEvents(subject.id)).toEqual([]);
        expect(await store.getSuppression('f'.repeat(64))).toBeUndefined();
      },
    );

    test(
      'transactions.rollback-profile',
      'rolls back profile updates of a transaction that throws, leaving the committed record as it was',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord({ profile: { language: 'fr' } }));
        await expect(
          store.transaction(async (tx) => {
            await tx.updateSubjectProfile(subject.id, { language: 'nl' }, new Date());
            expect((await tx.getSubject(subject.id))?.profile.language).toBe('nl');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect((await store.getSubject(subject.id))?.profile).toEqual({ language: 'fr' });
      },
    );

    test(
      'transactions.commit',
      'commits a transaction that succeeds and returns its value',
      async () => {
        const store = current();
        const subject = subjectRecord();
        const value = await store.transaction(async (tx) => {
          await tx.createSubject(subject);
          return 42;
        });
        expect(value).toBe(42);
        expect(await store.getSubject(subject.id)).toEqual(subject);
      },
    );
  });
}
