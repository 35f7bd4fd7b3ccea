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

/** DSAR requests: optimistic versions, deadline order and keyset pages. */
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
    test(
      'dsar.keyset-pages',
      'reads requests a page at a time after a (deadline, id) cursor, ties by id',
      async () => {
        const store = current();
        const subjectId = randomUUID();
        const day = (d: number) => new Date(Date.UTC(2026, 8, d));
        // Three share a deadline: the id breaks the tie, so no page repeats or skips one.
        const made = [
          dsarRequest(subjectId, day(3)),
          dsarRequest(subjectId, day(1)),
          dsarRequest(subjectId, day(3)),
          dsarRequest(subjectId, day(3)),
          dsarRequest(subjectId, day(1), { extendedDueAt: day(9) }),
          dsarRequest(subjectId, day(2), { status: 'completed' }),
        ];
        for (const r of made) await store.putDsarRequest(r, 0);
        const deadline = (r: DsarRequest) => (r.extendedDueAt ?? r.dueAt).getTime();
        const ordered = (list: DsarRequest[]) =>
          [...list]
            .sort((a, b) => deadline(a) - deadline(b) || (a.id < b.id ? -1 : 1))
            .map((r) => r.id);
        const readAll = async (status?: DsarRequest['status'][]) => {
          const seen: string[] = [];
          let after: { dueAt: Date; id: string } | undefined;
          for (let page = 0; page < 10; page++) {
            const rows = await store.listDsarRequests({
              subjectId,
              limit: 2,
              ...(status ? { status } : {}),
              ...(after ? { after } : {}),
            });
            seen.push(...rows.map((r) => r.id));
            const last = rows.at(-1);
            if (rows.length < 2 || !last) break;
            after = { dueAt: last.extendedDueAt ?? last.dueAt, id: last.id };
          }
          return seen;
        };
        expect(await readAll()).toEqual(ordered(made));
        const open = ['received', 'identity-verified', 'in-progress'] as DsarRequest['status'][];
        expect(await readAll(open)).toEqual(ordered(made.filter((r) => r.status !== 'completed')));
        // A cursor past the last one gives an empty page.
        expect(
          await store.listDsarRequests({ subjectId, after: { dueAt: day(30), id: '' }, limit: 5 }),
        ).toEqual([]);
      },
    );
  });
}
