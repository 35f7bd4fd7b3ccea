import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAuditEntries, appendAuditEntry, verifyAuditLog } from '../audit/audit-chain.js';
import type { ConsentEventDraft } from '../consent/append-events.js';
import { appendConsentEvents } from '../consent/append-events.js';
import { verifyConsentChain } from '../consent/ledger.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import type { GdprStore, SubjectRecord } from '../store/store-types.js';
import { checkboxEvidence, claimedDelivery, testConfig } from './fixtures.js';

export interface StoreConformanceOptions {
  /** Called after each test with the store it made. Defaults to `store.close()`. */
  teardown?: (store: GdprStore) => Promise<void>;
  /**
   * Raw access to the store's audit rows, around its API, as an attacker or a
   * careless admin would have it. When given, the tamper tests run (REQ-32).
   */
  auditTamper?: (store: GdprStore) => AuditTamper;
}

/** Edits audit rows behind the store's back. */
export interface AuditTamper {
  /** Changes a recorded field of entry `seq`, leaving its hash as it was. */
  alter(seq: number): Promise<void>;
  /** Deletes entry `seq`. */
  remove(seq: number): Promise<void>;
  /** Swaps the positions of two entries (their seq values). */
  swap(a: number, b: number): Promise<void>;
}

function subjectRecord(overrides: Partial<SubjectRecord> = {}): SubjectRecord {
  const at = new Date('2026-01-15T10:00:00.000Z');
  return {
    id: randomUUID(),
    emailHash: randomUUID().replaceAll('-', ''),
    email: `${randomUUID()}@example.test`,
    createdAt: at,
    updatedAt: at,
    profile: {},
    ...overrides,
  };
}

const proof = { source: 'conformance', method: 'api' as const, actor: 'test' };

/**
 * The behaviour every GdprStore must show. Call it from a test file:
 * `runStoreConformance('postgres', () => createPostgresStore(...))`.
 * Each test gets a fresh store from `makeStore`.
 */
export function runStoreConformance(
  name: string,
  makeStore: () => GdprStore | Promise<GdprStore>,
  options: StoreConformanceOptions = {},
): void {
  describe(`GdprStore conformance: ${name}`, () => {
    let store: GdprStore;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await (options.teardown ? options.teardown(store) : store.close());
    });

    it('round-trips a subject with dates and profile intact', async () => {
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

    it('creates one subject per email hash, even when asked concurrently', async () => {
      const emailHash = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.createSubject(subjectRecord({ emailHash }))),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
    });

    it('updates a profile and refuses an unknown subject', async () => {
      const subject = await store.createSubject(subjectRecord());
      const at = new Date('2026-02-01T00:00:00.000Z');
      const updated = await store.updateSubjectProfile(subject.id, { country: 'BE' }, at);
      expect(updated.profile).toEqual({ country: 'BE' });
      expect(updated.updatedAt).toEqual(at);
      await expect(store.updateSubjectProfile(randomUUID(), {}, at)).rejects.toSatisfy((e) =>
        isGdprMailError(e, 'SUBJECT_NOT_FOUND'),
      );
    });

    it('keeps ledger order and filters by purpose', async () => {
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

    it('rejects an append whose expected head is stale, writing nothing', async () => {
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
    });

    it('rolls back every write of a transaction that throws', async () => {
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
    });

    it('rolls back profile updates of a transaction that throws, leaving the committed record as it was', async () => {
      const subject = await store.createSubject(subjectRecord({ profile: { language: 'fr' } }));
      await expect(
        store.transaction(async (tx) => {
          await tx.updateSubjectProfile(subject.id, { language: 'nl' }, new Date());
          expect((await tx.getSubject(subject.id))?.profile.language).toBe('nl');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store.getSubject(subject.id))?.profile).toEqual({ language: 'fr' });
    });

    it('round-trips contact facts and finds subjects by a contact attribute (SEED-01)', async () => {
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
      const found = await store.findSubjectsByAttribute('customerNo', ['C-1', 'C-2', 'C-3', 'C-1']);
      expect(found.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
      expect(found.find((s) => s.id === b.id)?.profile).toEqual(contact('C-2'));
      expect(await store.findSubjectsByAttribute('customerNo', [])).toEqual([]);
      expect(await store.findSubjectsByAttribute('other', ['C-1'])).toEqual([]);
      expect((await store.findSubjectsByAttribute('odd key"', ['x'])).length).toBe(2);
      const inTx = await store.transaction((tx) =>
        tx.findSubjectsByAttribute('customerNo', ['C-2']),
      );
      expect(inTx.map((s) => s.id)).toEqual([b.id]);
    });

    it('commits a transaction that succeeds and returns its value', async () => {
      const subject = subjectRecord();
      const value = await store.transaction(async (tx) => {
        await tx.createSubject(subject);
        return 42;
      });
      expect(value).toBe(42);
      expect(await store.getSubject(subject.id)).toEqual(subject);
    });

    it('keeps suppression entries idempotent and removable', async () => {
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
    });

    it('stores each notice text once by hash', async () => {
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

    it('does not let callers mutate stored records through returned objects', async () => {
      const subject = await store.createSubject(subjectRecord({ profile: { country: 'FR' } }));
      const copy = await store.getSubject(subject.id);
      copy!.profile.country = 'DE';
      expect((await store.getSubject(subject.id))?.profile.country).toBe('FR');
    });

    it('deletes a subject with its ledger and pending opt-ins', async () => {
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
    });

    it('hands a pending opt-in to exactly one of many concurrent takers', async () => {
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
    });

    it('lists expired pending opt-ins oldest first, up to a limit', async () => {
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
    });

    it('accepts a nonce once, even under concurrency, and purges expired ones', async () => {
      const nonce = randomUUID();
      const expiresAt = new Date('2026-06-01T00:00:00.000Z');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.consumeNonce(nonce, expiresAt)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      await store.consumeNonce(randomUUID(), new Date('2026-07-01T00:00:00.000Z'));
      expect(await store.purgeExpiredNonces(new Date('2026-06-15T00:00:00.000Z'))).toBe(1);
      expect(await store.consumeNonce(nonce, expiresAt)).toBe(true);
    });

    it('claims a delivery key once, even concurrently, and lets a retryable failure be reclaimed', async () => {
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
      expect(await store.claimDelivery({ ...record, updatedAt: later })).toEqual({ claimed: true });
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
    });

    it('starts a claim only for its claimer, and takes over stale claims only on request', async () => {
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
      const starts = (messageId: string) => [{ idempotencyKey: record.idempotencyKey, messageId }];
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
    });

    it("settles an unknown outcome only while the record still carries the caller's message id", async () => {
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
      expect(await store.getDelivery(sending.idempotencyKey)).toMatchObject({ status: 'sending' });
      expect(await store.getDelivery(accepted.idempotencyKey)).toMatchObject({
        status: 'accepted',
        providerMessageId: 'p-ok',
      });
      expect(await store.getDelivery(claimed.idempotencyKey)).toMatchObject({ status: 'claimed' });

      const moved = await store.settleDeliveries([
        settle(sending, 'accepted'),
        settle(ambiguous, 'failed'),
      ]);
      expect([...moved].sort()).toEqual([ambiguous.idempotencyKey, sending.idempotencyKey].sort());
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
    });

    it("lists a subject's deliveries by page and forgets them with the subject", async () => {
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
    });

    it('reads the ledgers of an id range, where it offers listConsentEventsInRange', async () => {
      if (!store.listConsentEventsInRange) return; // optional: callers fall back to id lists
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
    });

    it('answers the bulk reads and writes the send pipeline batches', async () => {
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
      const drafts = [0, 1, 2].map((i) => ({ actor: 'test', action: `bulk.${i}`, details: { i } }));
      await appendAuditEntries(store, drafts, at);
      const tail = await store.listAudit(head?.seq ?? 0, 10);
      expect(tail.map((e) => e.action)).toEqual(['bulk.0', 'bulk.1', 'bulk.2']);
      expect(await store.getAuditHead()).toEqual({ seq: tail[2]!.seq, hash: tail[2]!.hash });
      // A run that does not continue the head is refused whole.
      await expect(
        appendAuditEntries(store, drafts, at).then(() => store.appendAuditEntries(tail)),
      ).rejects.toSatisfy((e) => isGdprMailError(e, 'STORE_CONFLICT'));
    });

    it('deletes many subjects in one call, with their ledgers', async () => {
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
    });

    it('REQ-34: keeps a wrapped data key with the subject and swaps it by compare-and-set', async () => {
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
    });

    it('pages through every subject in id order', async () => {
      const created = await Promise.all(
        Array.from({ length: 5 }, () => store.createSubject(subjectRecord())),
      );
      const ids = created.map((x) => x.id).sort();
      const first = await store.listSubjects({ limit: 3 });
      const rest = await store.listSubjects({ afterId: first.at(-1)!.id, limit: 3 });
      expect([...first, ...rest].map((x) => x.id)).toEqual(ids);
      expect(await store.listSubjects({ afterId: ids.at(-1)!, limit: 3 })).toEqual([]);
    });

    it('stores breach incidents with optimistic versions', async () => {
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
    });

    it('serialises concurrent consent writes to one subject into one valid chain', async () => {
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
    });

    it('chains audit entries and pages through them in order', async () => {
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
    });

    it('refuses an audit append on a stale head and writes nothing', async () => {
      const at = new Date();
      const first = await store.transaction((tx) =>
        appendAuditEntry(tx, { actor: 'a', action: 'x' }, at),
      );
      await store.transaction((tx) => appendAuditEntry(tx, { actor: 'a', action: 'y' }, at));
      await expect(
        store.appendAudit({ ...first, action: 'forged', hash: 'e'.repeat(64) }),
      ).rejects.toSatisfy((e) => isGdprMailError(e, 'STORE_CONFLICT'));
      expect((await store.listAudit(0, 10)).map((e) => e.action)).toEqual(['x', 'y']);
    });

    it('drops the audit entry with the rest of a failed transaction', async () => {
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
    });

    it('keeps one audit chain under concurrent audited writes', async () => {
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
    });

    it('writes one audit entry per consent, suppression and deletion, in the same transaction', async () => {
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
      expect(entries[4]).toMatchObject({ subjectRef: subjectId, actor: 'admin-1', reason: 'test' });
      expect(entries[2]?.subjectRef).toBe(gdpr.suppression.hash(email));
      expect(JSON.stringify(entries)).not.toContain(email);
      expect(await gdpr.audit.verify()).toMatchObject({ ok: true });
    });

    const tamper = options.auditTamper;
    if (tamper) {
      async function writeAuditLog(count: number) {
        for (let i = 1; i <= count; i += 1) {
          await store.transaction((tx) =>
            appendAuditEntry(
              tx,
              { actor: 'admin', action: 'test.action', reason: `entry ${i}`, details: { i } },
              new Date(Date.UTC(2026, 0, i)),
            ),
          );
        }
      }

      for (const seq of [1, 3, 5]) {
        it(`REQ-32: names entry ${seq} of 5 when it is altered`, async () => {
          await writeAuditLog(5);
          await tamper(store).alter(seq);
          expect(await verifyAuditLog(store, 2)).toMatchObject({ ok: false, seq });
        });

        it(`REQ-32: names entry ${seq} of 5 when it is deleted`, async () => {
          await writeAuditLog(5);
          await tamper(store).remove(seq);
          expect(await verifyAuditLog(store, 2)).toMatchObject({
            ok: false,
            seq,
            reason: 'missing',
          });
        });
      }

      for (const [a, b] of [
        [1, 2],
        [2, 4],
        [4, 5],
      ] as const) {
        it(`REQ-32: names entry ${a} when entries ${a} and ${b} are swapped`, async () => {
          await writeAuditLog(5);
          await tamper(store).swap(a, b);
          expect(await verifyAuditLog(store, 2)).toMatchObject({ ok: false, seq: a });
        });
      }
    }

    it('pages audience candidates by subject id, following the latest status change', async () => {
      const at = new Date('2026-03-01T00:00:00.000Z');
      const grant = { type: 'granted' as const, purposeId: 'newsletter', proof };
      const histories: Record<string, { drafts: ConsentEventDraft[]; candidate: boolean }> = {
        granted: { drafts: [grant], candidate: true },
        confirmed: {
          drafts: [
            { type: 'requested', purposeId: 'newsletter', proof },
            { type: 'confirmed', purposeId: 'newsletter', proof },
          ],
          candidate: true,
        },
        regranted: {
          drafts: [grant, { type: 'withdrawn', purposeId: 'newsletter', proof }, grant],
          candidate: true,
        },
        grantedThenAsked: {
          drafts: [grant, { type: 'requested', purposeId: 'newsletter', proof }],
          candidate: true,
        },
        withdrawn: {
          drafts: [grant, { type: 'withdrawn', purposeId: 'newsletter', proof }],
          candidate: false,
        },
        withdrawnAll: {
          drafts: [grant, { type: 'withdrawn', purposeId: '*', proof }],
          candidate: false,
        },
        objected: {
          drafts: [grant, { type: 'objected', purposeId: '*', proof }],
          candidate: false,
        },
        pending: {
          drafts: [{ type: 'requested', purposeId: 'newsletter', proof }],
          candidate: false,
        },
        otherPurpose: {
          drafts: [{ type: 'granted', purposeId: 'partners', proof }],
          candidate: false,
        },
        nothing: { drafts: [], candidate: false },
      };
      const expected: string[] = [];
      const everyone: string[] = [];
      for (const { drafts, candidate } of Object.values(histories)) {
        const subject = await store.createSubject(subjectRecord());
        await appendConsentEvents(store, subject.id, drafts, at);
        everyone.push(subject.id);
        if (candidate) expected.push(subject.id);
      }
      async function scan(consentRequired: boolean) {
        const ids: string[] = [];
        let afterSubjectId: string | undefined;
        for (;;) {
          const page = await store.listAudienceCandidates({
            purposeId: 'newsletter',
            consentRequired,
            limit: 3,
            ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
          });
          expect(page.length).toBeLessThanOrEqual(3);
          ids.push(...page.map((p) => p.id));
          if (page.length < 3) return ids;
          afterSubjectId = page.at(-1)?.id;
        }
      }
      expect(await scan(true)).toEqual([...expected].sort());
      expect(await scan(false)).toEqual([...everyone].sort());
    });
  });
}
