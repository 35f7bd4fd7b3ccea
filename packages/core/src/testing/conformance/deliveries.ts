import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { appendAuditEntries } from '../../audit/audit-chain.js';
import { appendConsentEvents } from '../../consent/append-events.js';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import { claimedDelivery } from '../fixtures.js';
import type { StoreConformanceOptions, StoreFactory } from './harness.js';
import { conformanceSuite, proof, subjectRecord } from './harness.js';

/** Deliveries: claims, starts and settles as compare-and-sets; the bulk reads and writes of the send pipeline. */
export function runDeliveryConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  conformanceSuite('deliveries', name, makeStore, options, (test, current) => {
    test(
      'deliveries.claim-once',
      'claims a delivery key once, even concurrently, and lets a retryable failure be reclaimed',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date('2026-04-01T00:00:00.000Z');
        const record = claimedDelivery(
          {
            idempotencyKey: `campaign-1:${subject.id}`,
            messageId: `<${randomUUID()}@acme.test>`,
            subjectId: subject.id,
            campaignId: 'campaign-1',
          },
          at,
        );
        const claims = await Promise.all(
          Array.from({ length: 10 }, () => store.claimDelivery(record)),
        );
        expect(claims.filter((c) => c.claimed)).toHaveLength(1);
        const lost = claims.find((c) => !c.claimed);
        expect(lost).toEqual({ claimed: false, existing: record });

        const later = new Date('2026-04-01T00:01:00.000Z');
        await store.updateDelivery(record.idempotencyKey, {
          status: 'failed',
          retryable: true,
          attempts: 1,
          updatedAt: later,
          reason: 'transient',
        });
        expect(await store.claimDelivery({ ...record, updatedAt: later })).toEqual({
          claimed: true,
        });
        expect((await store.getDelivery(record.idempotencyKey))?.attempts).toBe(2);
        await store.updateDelivery(record.idempotencyKey, {
          status: 'accepted',
          retryable: false,
          attempts: 2,
          updatedAt: later,
          providerMessageId: 'provider-42',
        });
        const accepted = await store.claimDelivery(record);
        expect(accepted).toMatchObject({
          claimed: false,
          existing: { status: 'accepted', providerMessageId: 'provider-42', attempts: 2 },
        });
        await expect(
          store.updateDelivery('missing', {
            status: 'failed',
            retryable: false,
            attempts: 1,
            updatedAt: later,
          }),
        ).rejects.toThrow();
      },
    );

    test(
      'deliveries.start-and-takeover',
      'starts a claim only for its claimer, and takes over stale claims only on request',
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date('2026-04-01T00:00:00.000Z');
        const record = claimedDelivery(
          {
            idempotencyKey: `campaign-2:${subject.id}`,
            messageId: '<first@acme.test>',
            subjectId: subject.id,
            campaignId: 'campaign-2',
          },
          at,
        );
        expect(await store.claimDeliveries([record])).toEqual([{ claimed: true }]);
        // Not stale yet: another claimer gets the existing claim back.
        const fresh = await store.claimDeliveries([{ ...record, messageId: '<early@acme.test>' }], {
          reclaimClaimedBefore: at,
        });
        expect(fresh[0]).toMatchObject({
          claimed: false,
          existing: { messageId: '<first@acme.test>' },
        });
        // Stale: taken over with a new message id, so the first claimer can no longer start it.
        const later = new Date('2026-04-01T00:05:00.000Z');
        const takeover = await store.claimDeliveries(
          [{ ...record, messageId: '<second@acme.test>', updatedAt: later }],
          { reclaimClaimedBefore: new Date('2026-04-01T00:01:00.000Z') },
        );
        expect(takeover).toEqual([{ claimed: true }]);
        const starts = (messageId: string) => [
          { idempotencyKey: record.idempotencyKey, messageId },
        ];
        expect(await store.startDeliveries(starts('<first@acme.test>'), later)).toEqual([]);
        expect(await store.startDeliveries(starts('<second@acme.test>'), later)).toEqual([
          record.idempotencyKey,
        ]);
        expect(await store.startDeliveries(starts('<second@acme.test>'), later)).toEqual([]);
        const sending = await store.getDelivery(record.idempotencyKey);
        expect(sending).toMatchObject({ status: 'sending', attempts: 2 });
        // A record handed to a transport is never taken over, however old.
        const again = await store.claimDeliveries([{ ...record, messageId: '<third@acme.test>' }], {
          reclaimClaimedBefore: new Date('2030-01-01T00:00:00.000Z'),
        });
        expect(again[0]).toMatchObject({ claimed: false, existing: { status: 'sending' } });
        expect(await store.startDeliveries([], later)).toEqual([]);
        const listed = await store.listCampaignDeliveries({ campaignId: 'campaign-2', limit: 10 });
        expect(listed.map((d) => d.idempotencyKey)).toEqual([record.idempotencyKey]);
        expect(
          await store.listCampaignDeliveries({
            campaignId: 'campaign-2',
            status: 'accepted',
            limit: 10,
          }),
        ).toEqual([]);
        expect(
          await store.listCampaignDeliveries({
            campaignId: 'campaign-2',
            status: 'sending',
            afterKey: record.idempotencyKey,
            limit: 10,
          }),
        ).toEqual([]);
      },
    );

    test(
      'deliveries.settle',
      "settles an unknown outcome only while the record still carries the caller's message id",
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date('2026-04-01T00:00:00.000Z');
        const later = new Date('2026-04-01T00:10:00.000Z');
        const record = (key: string, messageId: string) =>
          claimedDelivery(
            {
              idempotencyKey: `${key}:${subject.id}`,
              messageId,
              subjectId: subject.id,
              campaignId: 'campaign-settle',
            },
            at,
          );
        const sending = record('s', '<s1@acme.test>');
        const ambiguous = record('a', '<a1@acme.test>');
        const accepted = record('ok', '<ok1@acme.test>');
        const claimed = record('c', '<c1@acme.test>');
        await store.claimDeliveries([sending, ambiguous, accepted, claimed]);
        await store.startDeliveries(
          [sending, ambiguous, accepted].map(({ idempotencyKey, messageId }) => ({
            idempotencyKey,
            messageId,
          })),
          at,
        );
        await store.updateDeliveries([
          {
            idempotencyKey: ambiguous.idempotencyKey,
            status: 'ambiguous',
            retryable: false,
            attempts: 1,
            updatedAt: at,
          },
          {
            idempotencyKey: accepted.idempotencyKey,
            status: 'accepted',
            retryable: false,
            attempts: 1,
            updatedAt: at,
            providerMessageId: 'p-ok',
          },
        ]);
        const settle = (
          r: { idempotencyKey: string; messageId: string },
          status: 'accepted' | 'failed',
        ) => ({
          idempotencyKey: r.idempotencyKey,
          messageId: r.messageId,
          status,
          retryable: status === 'failed',
          updatedAt: later,
          reason: status === 'failed' ? 'settled-not-delivered' : 'settled-delivered',
          ...(status === 'accepted' ? { providerMessageId: 'p-found' } : {}),
        });
        expect(
          await store.settleDeliveries([
            // Wrong message id: the record was sent again under another one.
            settle(
              { idempotencyKey: sending.idempotencyKey, messageId: '<other@acme.test>' },
              'failed',
            ),
            // Not an unknown outcome: left alone.
            settle(accepted, 'failed'),
            settle(claimed, 'accepted'),
            settle({ idempotencyKey: 'missing', messageId: '<m@acme.test>' }, 'accepted'),
          ]),
        ).toEqual([]);
        expect(await store.getDelivery(sending.idempotencyKey)).toMatchObject({
          status: 'sending',
        });
        expect(await store.getDelivery(accepted.idempotencyKey)).toMatchObject({
          status: 'accepted',
          providerMessageId: 'p-ok',
        });
        expect(await store.getDelivery(claimed.idempotencyKey)).toMatchObject({
          status: 'claimed',
        });

        const moved = await store.settleDeliveries([
          settle(sending, 'accepted'),
          settle(ambiguous, 'failed'),
        ]);
        expect([...moved].sort()).toEqual(
          [ambiguous.idempotencyKey, sending.idempotencyKey].sort(),
        );
        expect(await store.getDelivery(sending.idempotencyKey)).toMatchObject({
          status: 'accepted',
          providerMessageId: 'p-found',
          reason: 'settled-delivered',
          attempts: 1,
          createdAt: at,
          updatedAt: later,
        });
        expect(await store.getDelivery(ambiguous.idempotencyKey)).toMatchObject({
          status: 'failed',
          retryable: true,
          reason: 'settled-not-delivered',
        });
        // Settled once: a second settle (a concurrent reconciler) changes nothing.
        expect(await store.settleDeliveries([settle(sending, 'failed')])).toEqual([]);
        // The retryable failure is claimed again by the next run.
        expect(
          await store.claimDeliveries([
            { ...ambiguous, messageId: '<a2@acme.test>', updatedAt: later },
          ]),
        ).toEqual([{ claimed: true }]);
        expect(await store.settleDeliveries([])).toEqual([]);
      },
    );

    test(
      'deliveries.list-and-erase',
      "lists a subject's deliveries by page and forgets them with the subject",
      async () => {
        const store = current();
        const subject = await store.createSubject(subjectRecord());
        const at = new Date('2026-04-01T00:00:00.000Z');
        for (const n of [3, 1, 2]) {
          await store.claimDelivery(
            claimedDelivery(
              { idempotencyKey: `k${n}-${subject.id}`, messageId: `m${n}`, subjectId: subject.id },
              at,
            ),
          );
        }
        const first = await store.listDeliveries({ subjectId: subject.id, limit: 2 });
        expect(first.map((d) => d.messageId)).toEqual(['m1', 'm2']);
        const rest = await store.listDeliveries({
          subjectId: subject.id,
          afterKey: first[1]!.idempotencyKey,
          limit: 2,
        });
        expect(rest.map((d) => d.messageId)).toEqual(['m3']);
        await store.deleteSubject(subject.id);
        expect(await store.listDeliveries({ subjectId: subject.id, limit: 10 })).toEqual([]);
        expect(await store.getDelivery(`k1-${subject.id}`)).toBeUndefined();
      },
    );

    test(
      'deliveries.send-pipeline-bulk',
      'answers the bulk reads and writes the send pipeline batches',
      async () => {
        const store = current();
        const a = await store.createSubject(subjectRecord());
        const b = await store.createSubject(subjectRecord());
        const at = new Date('2026-05-01T00:00:00.000Z');
        await appendConsentEvents(
          store,
          b.id,
          [{ type: 'granted', purposeId: 'newsletter', proof }],
          at,
        );
        await appendConsentEvents(
          store,
          a.id,
          [
            { type: 'granted', purposeId: 'newsletter', proof },
            { type: 'withdrawn', purposeId: 'newsletter', proof },
          ],
          at,
        );
        const subjects = await store.findSubjectsByEmailHashes([
          a.emailHash,
          b.emailHash,
          'missing',
          a.emailHash,
        ]);
        expect(subjects.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
        const events = await store.listConsentEventsForSubjects([b.id, a.id]);
        expect(events.map((e) => [e.subjectId, e.seq])).toEqual(
          [a.id, b.id].sort().flatMap((id) =>
            id === a.id
              ? [
                  [a.id, 1],
                  [a.id, 2],
                ]
              : [[b.id, 1]],
          ),
        );
        const entry = { hash: 'e'.repeat(64), reason: 'hard-bounce' as const, at, source: 't' };
        await store.addSuppression(entry);
        expect(await store.getSuppressions([entry.hash, 'f'.repeat(64)])).toEqual([entry]);

        const claim = (idempotencyKey: string) =>
          claimedDelivery({ idempotencyKey, messageId: 'm', subjectId: a.id }, at);
        const keys = [`bulk-1-${a.id}`, `bulk-2-${a.id}`];
        await store.claimDelivery(claim(keys[0]!));
        const claims = await store.claimDeliveries(keys.map(claim));
        expect(claims.map((c) => c.claimed)).toEqual([false, true]);
        await store.updateDeliveries(
          keys.map((idempotencyKey) => ({
            idempotencyKey,
            status: 'accepted' as const,
            retryable: false,
            attempts: 1,
            updatedAt: at,
            providerMessageId: `p-${idempotencyKey}`,
          })),
        );
        expect((await store.getDelivery(keys[1]!))?.providerMessageId).toBe(`p-${keys[1]}`);

        const head = await store.getAuditHead();
        const drafts = [0, 1, 2].map((i) => ({
          actor: 'test',
          action: `bulk.${i}`,
          details: { i },
        }));
        await appendAuditEntries(store, drafts, at);
        const tail = await store.listAudit(head?.seq ?? 0, 10);
        expect(tail.map((e) => e.action)).toEqual(['bulk.0', 'bulk.1', 'bulk.2']);
        expect(await store.getAuditHead()).toEqual({ seq: tail[2]!.seq, hash: tail[2]!.hash });
        // A run that does not continue the head is refused whole.
        await expect(
          appendAuditEntries(store, drafts, at).then(() => store.appendAuditEntries(tail)),
        ).rejects.toSatisfy((e) => isGdprMailError(e, 'STORE_CONFLICT'));
      },
    );
  });
}
