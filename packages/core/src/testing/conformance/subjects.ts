import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { appendConsentEvents } from '../../consent/append-events.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

/** Subjects: records, lookups, profile updates, erasure with the ledger, wrapped data keys. */
export function runSubjectConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('subjects', name, makeStore, options, (test, current) => {
    test('subjects.round-trip', 'round-trips a subject with dates and profile intact', async () => {
      const store = current();
      const subject = subjectRecord({
        profile: {
          country: 'FR',
          ageBracket: '14',
          customer: {
            saleRef: 'S-1',
            categories: ['garden'],
            objectionOfferedAt: new Date('2026-01-01T00:00:00.000Z'),
          },
        },
      });
      await store.createSubject(subject);
      const byId = await store.getSubject(subject.id);
      const byHash = await store.findSubjectByEmailHash(subject.emailHash);
      expect(byId).toEqual(subject);
      expect(byHash).toEqual(subject);
      expect(byId?.profile.customer?.objectionOfferedAt).toBeInstanceOf(Date);
      expect(await store.getSubject(randomUUID())).toBeUndefined();
    });

    test(
      'subjects.unique-email-hash',
      'creates one subject per email hash, even when asked concurrently',
      async () => {
        const store = current();
        const emailHash = randomUUID();
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.createSubject(subjectRecord({ emailHash }))),
        );
        expect(new Set(results.map((r) => r.id)).size).toBe(1);
      },
      { requires: 'concurrency' },
    );

    test(
      'subjects.update-profile',
      'updates a profile and refuses an unknown subject',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date('2026-02-01T00:00:00.000Z');
        const updated = await store.updateSubjectProfile(subject.id, { country: 'BE' }, at);
        expect(updated.profile).toEqual({ country: 'BE' });
        expect(updated.updatedAt).toEqual(at);
        await expect(store.updateSubjectProfile(randomUUID(), {}, at)).rejects.toSatisfy((e) =>
          isGdprMailError(e, 'SUBJECT_NOT_FOUND'),
        );
      },
    );

    test(
      'subjects.contact-attributes',
      'round-trips contact facts and finds subjects by a contact attribute (SEED-01)',
      async () => {
        const store = current();
        const at = new Date('2026-02-01T00:00:00.000Z');
        const contact = (customerNo: string) => ({
          contact: {
            segments: ['List A', 'List B'],
            sources: [
              {
                label: 'Salon X 2018',
                list: 'List A',
                basis: 'consent',
                importedAt: at,
                consentAt: at,
              },
              { label: 'homepage opt-in form', list: 'List B', basis: 'consent', importedAt: at },
            ],
            attributes: { customerNo, 'odd key"': 'x' },
            conflicts: [{ field: 'language', kept: 'fr', other: 'nl', source: 'List B / web' }],
            repermission: {
              status: 'sent' as const,
              purposeIds: ['newsletter'],
              flaggedAt: at,
              deadline: at,
            },
          },
        });
        const a = await store.createSubject(subjectRecord({ profile: contact('C-1') }));
        const b = await store.createSubject(subjectRecord({ profile: contact('C-2') }));
        await store.createSubject(subjectRecord({ profile: {} }));
        expect((await store.getSubject(a.id))?.profile).toEqual(contact('C-1'));
        const found = await store.findSubjectsByAttribute('customerNo', [
          'C-1',
          'C-2',
          'C-3',
          'C-1',
        ]);
        expect(found.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
        expect(found.find((s) => s.id === b.id)?.profile).toEqual(contact('C-2'));
        expect(await store.findSubjectsByAttribute('customerNo', [])).toEqual([]);
        expect(await store.findSubjectsByAttribute('other', ['C-1'])).toEqual([]);
        expect((await store.findSubjectsByAttribute('odd key"', ['x'])).length).toBe(2);
        const inTx = await store.transaction((tx) =>
          tx.findSubjectsByAttribute('customerNo', ['C-2']),
        );
        expect(inTx.map((s) => s.id)).toEqual([b.id]);
      },
    );

    test(
      'subjects.no-shared-records',
      'does not let callers mutate stored records through returned objects',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord({ profile: { country: 'FR' } }));
        const copy = await store.getSubject(subject.id);
        copy!.profile.country = 'DE';
        expect((await store.getSubject(subject.id))?.profile.country).toBe('FR');
      },
    );

    test(
      'subjects.delete-with-ledger',
      'deletes a subject with its ledger and pending opt-ins',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        await appendConsentEvents(
          store,
          subject.id,
          [{ type: 'requested', purposeId: 'newsletter', proof }],
          new Date(),
        );
        const at = new Date('2026-05-01T00:00:00.000Z');
        await store.putPendingOptIn({
          id: randomUUID(),
          subjectId: subject.id,
          purposeIds: ['newsletter'],
          requestedAt: at,
          expiresAt: at,
        });
        expect(await store.deleteSubject(subject.id)).toBe(true);
        expect(await store.getSubject(subject.id)).toBeUndefined();
        expect(await store.findSubjectByEmailHash(subject.emailHash)).toBeUndefined();
        expect(await store.listConsentEvents(subject.id)).toEqual([]);
        expect(await store.listExpiredPendingOptIns(at, 10)).toEqual([]);
        expect(await store.deleteSubject(subject.id)).toBe(false);
      },
    );

    test(
      'subjects.delete-many',
      'deletes many subjects in one call, with their ledgers',
      async () => {
        const store = current();
        const [a, b, c] = await Promise.all(
          [1, 2, 3].map(() => store.createSubject(subjectRecord())),
        );
        await appendConsentEvents(
          store,
          a!.id,
          [{ type: 'granted', purposeId: 'newsletter', proof }],
          new Date(),
        );
        expect(await store.deleteSubjects([a!.id, b!.id, a!.id, 'missing'])).toBe(2);
        expect(await store.getSubject(a!.id)).toBeUndefined();
        expect(await store.listConsentEvents(a!.id)).toEqual([]);
        expect(await store.getSubject(c!.id)).toBeDefined();
        expect(await store.deleteSubjects([])).toBe(0);
      },
    );

    test(
      'subjects.data-key-cas',
      'REQ-34: keeps a wrapped data key with the subject and swaps it by compare-and-set',
      async () => {
        const store = current();
        const keyed = await store.createSubject({ ...subjectRecord(), dataKey: 'wrapped:v1' });
        const plain = await store.createSubject(subjectRecord());
        expect(keyed.dataKey).toBe('wrapped:v1');
        expect((await store.getSubject(keyed.id))?.dataKey).toBe('wrapped:v1');
        expect((await store.getSubject(plain.id))?.dataKey).toBeUndefined();
        expect(
          await store.replaceSubjectDataKeys([
            { id: keyed.id, expected: 'wrapped:v1', next: 'wrapped:v2' },
            { id: plain.id, expected: 'wrapped:v1', next: 'wrapped:v2' },
            { id: 'missing', expected: 'wrapped:v1', next: 'wrapped:v2' },
          ]),
        ).toEqual([keyed.id]);
        // A stale expectation (another writer won) changes nothing.
        expect(
          await store.replaceSubjectDataKeys([
            { id: keyed.id, expected: 'wrapped:v1', next: 'wrapped:v3' },
          ]),
        ).toEqual([]);
        expect((await store.getSubject(keyed.id))?.dataKey).toBe('wrapped:v2');
        expect((await store.getSubject(plain.id))?.dataKey).toBeUndefined();
        expect(await store.replaceSubjectDataKeys([])).toEqual([]);
        const updated = await store.updateSubjectProfile(keyed.id, { language: 'fr' }, new Date());
        expect(updated.dataKey).toBe('wrapped:v2');
        expect(await store.deleteSubject(keyed.id)).toBe(true);
        expect(
          await store.replaceSubjectDataKeys([{ id: keyed.id, expected: 'wrapped:v2', next: 'x' }]),
        ).toEqual([]);
      },
    );

    test('subjects.list-pages', 'pages through every subject in id order', async () => {
      const store = current();
      const created = await Promise.all(
        Array.from({ length: 5 }, () => store.createSubject(subjectRecord())),
      );
      const ids = created.map((x) => x.id).sort();
      const first = await store.listSubjects({ limit: 3 });
      const rest = await store.listSubjects({ afterId: first.at(-1)!.id, limit: 3 });
      expect([...first, ...rest].map((x) => x.id)).toEqual(ids);
      expect(await store.listSubjects({ afterId: ids.at(-1)!, limit: 3 })).toEqual([]);
    });
  });
}
