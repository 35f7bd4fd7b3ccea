import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { appendAuditEntry, verifyAuditLog } from '../../audit/audit-chain.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { checkboxEvidence, testConfig } from '../fixtures.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, subjectRecord } from './harness.js';

/** Audit: the head compare-and-set, rollback with the transaction, one chain under concurrency, and (with `auditTamper`) tamper detection (REQ-32). */
export function runAuditConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('audit', name, makeStore, options, (test, current) => {
    test(
      'audit.chain-and-page',
      'chains audit entries and pages through them in order',
      async () => {
        const store = current();
        const at = new Date('2026-06-01T00:00:00.000Z');
        expect(await store.getAuditHead()).toBeUndefined();
        const written = [];
        for (let i = 0; i < 5; i += 1) {
          written.push(
            await store.transaction((tx) =>
              appendAuditEntry(
                tx,
                { actor: 'test', action: 'test.action', subjectRef: `s${i}`, details: { i } },
                at,
              ),
            ),
          );
        }
        expect(await store.getAuditHead()).toEqual({ seq: 5, hash: written[4]?.hash });
        expect(await store.listAudit(0, 2)).toEqual(written.slice(0, 2));
        expect(await store.listAudit(2, 10)).toEqual(written.slice(2));
        expect(written[1]?.prevHash).toBe(written[0]?.hash);
        expect(await verifyAuditLog(store, 2)).toEqual({ ok: true, checked: 5 });
      },
    );

    test(
      'audit.stale-head',
      'refuses an audit append on a stale head and writes nothing',
      async () => {
        const store = current();
        const at = new Date();
        const first = await store.transaction((tx) =>
          appendAuditEntry(tx, { actor: 'a', action: 'x' }, at),
        );
        await store.transaction((tx) => appendAuditEntry(tx, { actor: 'a', action: 'y' }, at));
        await expect(
          store.appendAudit({ ...first, action: 'forged', hash: 'e'.repeat(64) }),
        ).rejects.toSatisfy((e) => isGdprMailError(e, 'STORE_CONFLICT'));
        expect((await store.listAudit(0, 10)).map((e) => e.action)).toEqual(['x', 'y']);
      },
    );

    test(
      'audit.rollback',
      'drops the audit entry with the rest of a failed transaction',
      async () => {
        const store = current();
        const subject = subjectRecord();
        await expect(
          store.transaction(async (tx) => {
            await tx.createSubject(subject);
            await appendAuditEntry(tx, { actor: 'a', action: 'subject.created' }, new Date());
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.getAuditHead()).toBeUndefined();
        expect(await store.listAudit(0, 10)).toEqual([]);
      },
    );

    test(
      'audit.concurrent-chain',
      'keeps one audit chain under concurrent audited writes',
      async () => {
        const store = current();
        const gdpr = createGdprMail(testConfig({ store }));
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            gdpr.consent.record({
              email: `audit-${i}-${randomUUID()}@example.test`,
              purposes: ['newsletter'],
              evidence: checkboxEvidence,
            }),
          ),
        );
        const entries = await store.listAudit(0, 100);
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expect(await gdpr.audit.verify()).toEqual({ ok: true, checked: 12 });
        // Pseudonymous: the log never holds an address.
        expect(JSON.stringify(entries)).not.toContain('@example.test');
      },
      { requires: 'concurrency' },
    );

    /** Eight entries naming a, b, c in turn, every third without a reference. */
    async function writeTrails() {
      const at = new Date('2026-06-01T00:00:00.000Z');
      const refs = ['a', 'b', undefined, 'c', 'a', undefined, 'c', 'a'];
      for (const [i, ref] of refs.entries()) {
        await current().transaction((tx) =>
          appendAuditEntry(
            tx,
            {
              actor: 'test',
              action: 'test.action',
              ...(ref === undefined ? {} : { subjectRef: ref }),
              details: { i },
            },
            at,
          ),
        );
      }
      return current().listAudit(0, 100);
    }

    test(
      'audit.subject-trail',
      "reads a person's trail by reference, in seq order and in pages, where it offers listAuditForSubjects",
      async () => {
        const store = current();
        if (!store.listAuditForSubjects) throw new Error('auditTrail declared, method missing');
        const all = await writeTrails();
        const ac = all.filter((e) => e.subjectRef === 'a' || e.subjectRef === 'c');
        expect(ac.map((e) => e.seq)).toEqual([1, 4, 5, 7, 8]);
        expect(await store.listAuditForSubjects(['a', 'c'], 0, 2)).toEqual(ac.slice(0, 2));
        expect(await store.listAuditForSubjects(['c', 'a'], 4, 10)).toEqual(ac.slice(2));
        expect(await store.listAuditForSubjects(['a', 'a'], 0, 10)).toEqual(
          all.filter((e) => e.subjectRef === 'a'),
        );
        expect(await store.listAuditForSubjects(['b'], 2, 10)).toEqual([]);
        expect(await store.listAuditForSubjects(['nobody'], 0, 10)).toEqual([]);
        expect(await store.listAuditForSubjects([], 0, 10)).toEqual([]);
      },
      { requires: 'auditTrail' },
    );

    test(
      'audit.subject-trail-entries',
      'gdpr.audit.entries({ subjectRefs }) yields exactly the entries naming them, in order',
      async () => {
        const store = current();
        const all = await writeTrails();
        const gdpr = createGdprMail(testConfig({ store }));
        const trail = [];
        for await (const entry of gdpr.audit.entries({ subjectRefs: ['c', 'a'], batchSize: 2 })) {
          trail.push(entry);
        }
        expect(trail).toEqual(all.filter((e) => e.subjectRef === 'a' || e.subjectRef === 'c'));
        const none = [];
        for await (const entry of gdpr.audit.entries({ subjectRefs: [] })) none.push(entry);
        expect(none).toEqual([]);
      },
    );

    test(
      'audit.one-entry-per-action',
      'writes one audit entry per consent, suppression and deletion, in the same transaction',
      async () => {
        const store = current();
        const gdpr = createGdprMail(testConfig({ store }));
        const email = `trail-${randomUUID()}@example.test`;
        const { subjectId } = await gdpr.consent.record({
          email,
          purposes: ['newsletter'],
          evidence: checkboxEvidence,
        });
        await gdpr.consent.withdraw({
          email,
          purposes: ['newsletter'],
          evidence: { source: 'unsubscribe-link' },
        });
        await gdpr.suppression.add(email, 'manual', { source: 'admin' });
        await gdpr.suppression.remove(email);
        expect(await gdpr.subjects.delete(email, { actor: 'admin-1', reason: 'test' })).toBe(true);
        const entries = await store.listAudit(0, 100);
        expect(entries.map((e) => e.action)).toEqual([
          'consent.granted',
          'consent.withdrawn',
          'suppression.added',
          'suppression.removed',
          'subject.deleted',
        ]);
        expect(entries[0]?.subjectRef).toBe(subjectId);
        expect(entries[4]).toMatchObject({
          subjectRef: subjectId,
          actor: 'admin-1',
          reason: 'test',
        });
        expect(entries[2]?.subjectRef).toBe(gdpr.suppression.hash(email));
        expect(JSON.stringify(entries)).not.toContain(email);
        expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
      },
    );

    const tamper = options.auditTamper;
    if (tamper) {
      async function writeAuditLog(count: number) {
        for (let i = 1; i <= count; i += 1) {
          await current().transaction((tx) =>
            appendAuditEntry(
              tx,
              { actor: 'admin', action: 'test.action', reason: `entry ${i}`, details: { i } },
              new Date(Date.UTC(2026, 0, i)),
            ),
          );
        }
      }

      for (const seq of [1, 3, 5]) {
        test(
          `audit.tamper-altered-${seq}`,
          `REQ-32: names entry ${seq} of 5 when it is altered`,
          async () => {
            const store = current();
            await writeAuditLog(5);
            await tamper(store).alter(seq);
            expect(await verifyAuditLog(store, 2)).toMatchObject({ ok: false, seq });
          },
        );

        test(
          `audit.tamper-deleted-${seq}`,
          `REQ-32: names entry ${seq} of 5 when it is deleted`,
          async () => {
            const store = current();
            await writeAuditLog(5);
            await tamper(store).remove(seq);
            expect(await verifyAuditLog(store, 2)).toMatchObject({
              ok: false,
              seq,
              reason: 'missing',
            });
          },
        );
      }

      for (const [a, b] of [
        [1, 2],
        [2, 4],
        [4, 5],
      ] as const) {
        test(
          `audit.tamper-swapped-${a}-${b}`,
          `REQ-32: names entry ${a} when entries ${a} and ${b} are swapped`,
          async () => {
            const store = current();
            await writeAuditLog(5);
            await tamper(store).swap(a, b);
            expect(await verifyAuditLog(store, 2)).toMatchObject({ ok: false, seq: a });
          },
        );
      }
    }
  });
}
