import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { BreachIncident } from '../../breaches/breach-incident.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite } from './harness.js';

/** Documents: breach incidents with optimistic versions and keyset pages. */
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
        const incident = breach(awareAt);
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
    test(
      'documents.breach-keyset-pages',
      'reads breaches newest first a page at a time after an (awareAt, id) cursor',
      async () => {
        const store = current();
        // Far from other tests' dates: only these sort before the start cursor's range end.
        const at = (h: number) => new Date(Date.UTC(2999, 0, 1, h));
        const made = [breach(at(1)), breach(at(3)), breach(at(3)), breach(at(2)), breach(at(3))];
        made[1] = { ...made[1]!, status: 'closed', version: 1 };
        for (const b of made) await store.putBreach(b, 0);
        const ordered = (list: BreachIncident[]) =>
          [...list]
            .sort((a, b) => b.awareAt.getTime() - a.awareAt.getTime() || (a.id < b.id ? 1 : -1))
            .map((b) => b.id);
        const readAll = async (status?: 'open' | 'closed') => {
          const seen: string[] = [];
          let after = { awareAt: new Date(Date.UTC(3000, 0, 1)), id: '' };
          for (let page = 0; page < 10; page++) {
            const rows = await store.listBreaches({
              after,
              limit: 2,
              ...(status ? { status } : {}),
            });
            const mine = rows.filter((b) => b.awareAt.getUTCFullYear() === 2999);
            seen.push(...mine.map((b) => b.id));
            const last = rows.at(-1);
            if (mine.length < rows.length || rows.length < 2 || !last) break;
            after = { awareAt: last.awareAt, id: last.id };
          }
          return seen;
        };
        expect(await readAll()).toEqual(ordered(made));
        expect(await readAll('open')).toEqual(ordered(made.filter((b) => b.status === 'open')));
      },
    );
  });
}

function breach(awareAt: Date): BreachIncident {
  return {
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
    risk: 'risk',
    encryptionException: false,
    status: 'open',
    phases: [{ kind: 'opened', at: awareAt, note: 'n', actor: 'a' }],
    version: 1,
  };
}
