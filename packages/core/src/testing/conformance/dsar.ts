import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { DsarRequest } from '../../dsar/dsar-request.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

function dsarRequest(subjectId: string, dueAt: Date, overrides: Partial<DsarRequest> = {}) {
  const receivedAt = new Date(dueAt.getTime() - 30 * 86_400_000);
  const request: DsarRequest = {
    id: randomUUID(),
    type: 'access',
    status: 'received',
    subjectId,
    receivedAt,
    dueAt,
    sources: {},
    steps: [{ at: receivedAt, action: 'received', actor: 'test' }],
    version: 1,
    ...overrides,
  };
  return request;
}

/** DSAR requests: optimistic versions and deadline order. */
export function runDsarConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('dsar', name, makeStore, options, (test, current) => {
    test(
      'dsar.versions-and-deadlines',
      'stores DSAR requests with optimistic versions and lists them by deadline',
      async () => {
        const store = current();
        const subjectId = randomUUID();
        const day = (d: number) => new Date(Date.UTC(2026, 6, d));
        const late = dsarRequest(subjectId, day(20));
        const soon = dsarRequest(subjectId, day(10));
        // Extended: its deadline is the extended one, so it sorts last.
        const extended = dsarRequest(subjectId, day(5), { extendedDueAt: day(25) });
        const other = dsarRequest(randomUUID(), day(1));
        for (const r of [late, soon, extended, other]) await store.putDsarRequest(r, 0);
        expect(await store.getDsarRequest(soon.id)).toEqual(soon);
        expect(await store.getDsarRequest(randomUUID())).toBeUndefined();
        await expect(store.putDsarRequest(soon, 0)).rejects.toSatisfy((e) =>
          isGdprMailError(e, 'STORE_CONFLICT'),
        );
        const verified = { ...soon, status: 'identity-verified' as const, version: 2 };
        await store.putDsarRequest(verified, 1);
        // A writer that read version 1 loses to the one that wrote version 2.
        await expect(store.putDsarRequest({ ...soon, version: 2 }, 1)).rejects.toSatisfy((e) =>
          isGdprMailError(e, 'STORE_CONFLICT'),
        );
        expect(await store.getDsarRequest(soon.id)).toEqual(verified);
        const ids = (list: DsarRequest[]) => list.map((r) => r.id);
        expect(ids(await store.listDsarRequests({ subjectId, limit: 10 }))).toEqual([
          soon.id,
          late.id,
          extended.id,
        ]);
        expect(ids(await store.listDsarRequests({ subjectId, limit: 2 }))).toEqual([
          soon.id,
          late.id,
        ]);
        expect(
          ids(await store.listDsarRequests({ subjectId, status: ['received'], limit: 10 })),
        ).toEqual([late.id, extended.id]);
        expect(
          ids(await store.listDsarRequests({ subjectId, dueBefore: day(20), limit: 10 })),
        ).toEqual([soon.id, late.id]);
      },
    );
  });
}
