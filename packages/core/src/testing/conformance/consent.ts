import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { appendConsentEvents } from '../../consent/append-events.js';
import { verifyConsentChain } from '../../consent/ledger.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { checkboxEvidence, testConfig } from '../fixtures.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

/** Consent: the ledger head compare-and-set, notices, pending opt-ins and nonces (single use), range reads. */
export function runConsentConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('consent', name, makeStore, options, (test, current) => {
    test('consent.ledger-order', 'keeps ledger order and filters by purpose', async () => {
      const store = current();
      const subject = await store.createSubject(subjectRecord());
      const at = new Date('2026-03-01T00:00:00.000Z');
      await appendConsentEvents(
        store,
        subject.id,
        [
          { type: 'requested', purposeId: 'newsletter', proof },
          { type: 'granted', purposeId: 'partners', proof },
        ],
        at,
      );
      await appendConsentEvents(
        store,
        subject.id,
        [{ type: 'confirmed', purposeId: 'newsletter', proof }],
        at,
      );
      const all = await store.listConsentEvents(subject.id);
      expect(all.map((e) => [e.seq, e.type])).toEqual([
        [1, 'requested'],
        [2, 'granted'],
        [3, 'confirmed'],
      ]);
      expect(all[0]?.at).toEqual(at);
      expect(verifyConsentChain(all)).toEqual({ ok: true });
      const newsletter = await store.listConsentEvents(subject.id, { purposeId: 'newsletter' });
      expect(newsletter.map((e) => e.type)).toEqual(['requested', 'confirmed']);
      expect(await store.getLedgerHead(subject.id)).toEqual({ seq: 3, hash: all[2]?.hash });
    });

    test(
      'consent.stale-head',
      'rejects an append whose expected head is stale, writing nothing',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date();
        const first = await appendConsentEvents(
          store,
          subject.id,
          [{ type: 'granted', purposeId: 'newsletter', proof }],
          at,
        );
        const staleEvent = { ...first[0]!, id: randomUUID() };
        await expect(
          store.appendConsentEvents(subject.id, undefined, [staleEvent]),
        ).rejects.toSatisfy((e) => isGdprMailError(e, 'STORE_CONFLICT'));
        expect(await store.listConsentEvents(subject.id)).toHaveLength(1);
      },
    );

    test('consent.notice-once', 'stores each notice text once by hash', async () => {
      const store = current();
      const notice = {
        purposeId: 'newsletter',
        version: '1.0',
        hash: 'd'.repeat(64),
        text: 'Text',
        firstSeenAt: new Date('2026-01-01T00:00:00.000Z'),
      };
      await store.putNotice(notice);
      await store.putNotice({ ...notice, text: 'Other', firstSeenAt: new Date() });
      expect(await store.getNotice(notice.hash)).toEqual(notice);
    });

    test(
      'consent.pending-single-use',
      'hands a pending opt-in to exactly one of many concurrent takers',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const pending = {
          id: randomUUID(),
          subjectId: subject.id,
          purposeIds: ['newsletter', 'partners'],
          requestedAt: new Date('2026-05-01T00:00:00.000Z'),
          expiresAt: new Date('2026-05-08T00:00:00.000Z'),
        };
        await store.putPendingOptIn(pending);
        expect(await store.getPendingOptIn(pending.id)).toEqual(pending);
        const taken = await Promise.all(
          Array.from({ length: 20 }, () => store.takePendingOptIn(pending.id)),
        );
        expect(taken.filter(Boolean)).toEqual([pending]);
        expect(await store.getPendingOptIn(pending.id)).toBeUndefined();
      },
      { requires: 'concurrency' },
    );

    test(
      'consent.pending-expired',
      'lists expired pending opt-ins oldest first, up to a limit',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const day = (d: number) => new Date(Date.UTC(2026, 5, d));
        for (const d of [3, 1, 2, 9]) {
          await store.putPendingOptIn({
            id: randomUUID(),
            subjectId: subject.id,
            purposeIds: ['newsletter'],
            requestedAt: day(d - 1),
            expiresAt: day(d),
          });
        }
        const expired = await store.listExpiredPendingOptIns(day(3), 2);
        expect(expired.map((p) => p.expiresAt)).toEqual([day(1), day(2)]);
        expect(await store.listExpiredPendingOptIns(day(3), 10)).toHaveLength(3);
      },
    );

    test(
      'consent.nonce-single-use',
      'accepts a nonce once, even under concurrency, and purges expired ones',
      async () => {
        const store = current();
        const nonce = randomUUID();
        const expiresAt = new Date('2026-06-01T00:00:00.000Z');
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.consumeNonce(nonce, expiresAt)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        await store.consumeNonce(randomUUID(), new Date('2026-07-01T00:00:00.000Z'));
        expect(await store.purgeExpiredNonces(new Date('2026-06-15T00:00:00.000Z'))).toBe(1);
        expect(await store.consumeNonce(nonce, expiresAt)).toBe(true);
      },
      { requires: 'concurrency' },
    );

    test(
      'consent.range-read',
      'reads the ledgers of an id range, where it offers listConsentEventsInRange',
      async () => {
        const store = current();
        // Optional (callers fall back to id lists): runs where the store offers it.
        if (!store.listConsentEventsInRange) throw new Error('rangeReads declared, method missing');
        const created = [];
        for (let i = 0; i < 3; i += 1) created.push(await store.createSubject(subjectRecord()));
        const at = new Date('2026-05-01T00:00:00.000Z');
        for (const subject of created) {
          await appendConsentEvents(
            store,
            subject.id,
            [
              { type: 'granted', purposeId: 'newsletter', proof },
              { type: 'withdrawn', purposeId: 'newsletter', proof },
            ],
            at,
          );
        }
        // listSubjects' order is the range's order.
        const ours = new Set(created.map((x) => x.id));
        const ordered = (await store.listSubjects({ limit: 10_000 }))
          .map((x) => x.id)
          .filter((id) => ours.has(id));
        const [first, second, third] = ordered as [string, string, string];
        const inRange = (await store.listConsentEventsInRange({ afterId: first, lastId: third }))
          .filter((e) => ours.has(e.subjectId))
          .map((e) => [e.subjectId, e.seq]);
        expect(inRange).toEqual([
          [second, 1],
          [second, 2],
          [third, 1],
          [third, 2],
        ]);
        const fromStart = (await store.listConsentEventsInRange({ lastId: first }))
          .filter((e) => ours.has(e.subjectId))
          .map((e) => e.subjectId);
        expect(fromStart).toEqual([first, first]);
      },
      { requires: 'rangeReads' },
    );

    test(
      'consent.concurrent-chain',
      'serialises concurrent consent writes to one subject into one valid chain',
      async () => {
        const store = current();
        const gdpr = createGdprMail(testConfig({ store }));
        const email = `concurrent-${randomUUID()}@example.test`;
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            gdpr.consent.record({
              email,
              purposes: [i % 2 === 0 ? 'newsletter' : 'partners'],
              evidence: checkboxEvidence,
            }),
          ),
        );
        const events = await gdpr.consent.history(email);
        expect(events).toHaveLength(20);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(verifyConsentChain(events)).toEqual({ ok: true });
      },
      { requires: 'concurrency' },
    );

    test(
      'consent.send-facts',
      'reads the send facts of an address in one call, where it offers readSendFacts',
      async () => {
        const store = current();
        // Optional fast path of canSend: the same answer as the separate reads.
        if (!store.readSendFacts) throw new Error('sendFacts declared, method missing');
        const subject = await store.createSubject(subjectRecord());
        await appendConsentEvents(
          store,
          subject.id,
          [
            { type: 'granted', purposeId: 'newsletter', proof },
            { type: 'withdrawn', purposeId: 'newsletter', proof },
          ],
          new Date('2026-05-01T00:00:00.000Z'),
        );
        const entry = {
          hash: randomUUID(),
          reason: 'manual' as const,
          at: new Date('2026-05-02T00:00:00.000Z'),
          source: 't',
        };
        await store.addSuppression(entry);
        const facts = await store.readSendFacts(subject.emailHash, entry.hash);
        expect(facts.subject).toEqual(await store.getSubject(subject.id));
        expect([...facts.events]).toEqual(await store.listConsentEvents(subject.id));
        expect(facts.suppression).toEqual(entry);
        const none = await store.readSendFacts(randomUUID(), randomUUID());
        expect(none.subject).toBeUndefined();
        expect([...none.events]).toEqual([]);
        expect(none.suppression).toBeUndefined();
      },
      { requires: 'sendFacts' },
    );
  });
}
