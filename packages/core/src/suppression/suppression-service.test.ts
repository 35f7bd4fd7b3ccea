import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/audit-entry.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StoreOperations } from '../store/store-types.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import type { ProviderEvent } from '../webhooks/provider-events.js';

const email = 'jane@example.org';

function setup(store = new MemoryStore()) {
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: {
        from: { address: 'news@acme.test', name: 'Acme' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    }),
  );
  return { gdpr, store, transport };
}

type Gdpr = ReturnType<typeof setup>['gdpr'];

const hardBounce: ProviderEvent = {
  provider: 'ses',
  type: 'hard-bounce',
  email,
  eventId: 'evt-bounce-1',
  detail: '5.1.1',
};

async function suppressionAudit(gdpr: Gdpr): Promise<AuditEntry[]> {
  const found: AuditEntry[] = [];
  for await (const entry of gdpr.audit.entries()) {
    if (entry.action === 'suppression.added') found.push(entry);
  }
  return found;
}

const orderMail = { to: email, purposeId: 'orders', subject: 'Order 42', text: 'Shipped.' };

describe('suppression: a stronger reason upgrades the entry', () => {
  it('REQ-13/REQ-28: a hard bounce after unsubscribe-all blocks transactional and system mail and survives a later opt-in', async () => {
    const { gdpr, transport } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: { source: 'link' } });
    // An unsubscribe stops marketing only: the order mail still goes.
    expect((await gdpr.mailer.send(orderMail)).status).toBe('sent');

    expect(await gdpr.providerEvents.apply([hardBounce])).toEqual([
      { type: 'hard-bounce', action: 'suppressed', upgradedFrom: 'unsubscribed-all' },
    ]);
    expect(await gdpr.suppression.check(email)).toMatchObject({
      reason: 'hard-bounce',
      source: 'provider:ses',
    });
    // REQ-32: the upgrade is audited like an add, naming what it replaced.
    const [audited, ...more] = await suppressionAudit(gdpr);
    expect(more).toEqual([]);
    expect(audited).toMatchObject({
      actor: 'provider:ses',
      subjectRef: gdpr.suppression.hash(email),
      details: {
        reason: 'hard-bounce',
        upgradedFrom: 'unsubscribed-all',
        source: 'provider:ses',
        eventId: 'evt-bounce-1',
      },
    });

    const blocked = async () => {
      expect(await gdpr.canSend(email, 'orders')).toMatchObject({
        allowed: false,
        reason: 'suppressed',
        suppression: 'hard-bounce',
      });
      expect(await gdpr.mailer.send(orderMail)).toMatchObject({
        status: 'denied',
        reason: 'suppressed',
      });
      const dsarLink = {
        to: email,
        subject: 'Your data',
        text: 'Download it here.',
        html: '<p>Download it here.</p>',
      };
      expect(await gdpr.mailer.sendSystem(dsarLink, { kind: 'dsar-ready' })).toMatchObject({
        status: 'denied',
        reason: 'suppressed',
      });
    };
    await blocked();

    // The person's own opt-in lifts an unsubscribe, not a bounce: a double opt-in is not
    // even started (no confirmation for a bounced address), and a form's grant lifts nothing.
    await expect(gdpr.optIn.request(email, ['newsletter'], checkboxEvidence)).rejects.toMatchObject(
      { code: 'SUPPRESSED' },
    );
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.suppression.check(email))?.reason).toBe('hard-bounce');
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({
      allowed: false,
      reason: 'suppressed',
    });
    await blocked();
    expect(transport.sentTo(email)).toHaveLength(1);

    // A replay of the bounce is idempotent: no second audit entry.
    expect(await gdpr.providerEvents.apply([hardBounce])).toEqual([
      { type: 'hard-bounce', action: 'already-suppressed' },
    ]);
    expect(await suppressionAudit(gdpr)).toHaveLength(1);
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('REQ-28: suppression.add upgrades to a stronger reason and keeps the entry against an equal or weaker one', async () => {
    const { gdpr } = setup();
    expect(await gdpr.suppression.add(email, 'unsubscribed-all')).toBe(true);
    expect(await gdpr.suppression.add(email, 'complaint', { source: 'fbl' })).toBe(true);
    expect(await gdpr.suppression.add(email, 'manual')).toBe(false);
    expect(await gdpr.suppression.add(email, 'hard-bounce')).toBe(false);
    expect(await gdpr.suppression.add(email, 'unsubscribed-all')).toBe(false);
    expect(await gdpr.suppression.check(email)).toMatchObject({
      reason: 'complaint',
      source: 'fbl',
    });
    expect((await suppressionAudit(gdpr)).map((e) => e.details)).toEqual([
      { reason: 'unsubscribed-all', source: 'api' },
      { reason: 'complaint', source: 'fbl', upgradedFrom: 'unsubscribed-all' },
    ]);
    // An unsubscribe reported by the provider after the complaint changes nothing.
    expect(
      await gdpr.providerEvents.apply([{ provider: 'ses', type: 'unsubscribe', email }]),
    ).toEqual([{ type: 'unsubscribe', action: 'already-suppressed' }]);
    expect((await gdpr.suppression.check(email))?.reason).toBe('complaint');
  });

  it('upgrades through a store that still keeps the first entry, in the same transaction', async () => {
    // A store written before upgrades: addSuppression never replaces an entry.
    const store = new MemoryStore();
    const transaction = store.transaction.bind(store);
    store.transaction = ((work: Parameters<typeof transaction>[0]) =>
      transaction((tx) => {
        const firstWins = Object.create(tx) as StoreOperations;
        firstWins.addSuppression = async (entry) =>
          (await tx.getSuppression(entry.hash)) ? false : tx.addSuppression(entry);
        return work(firstWins);
      })) as typeof store.transaction;
    const { gdpr } = setup(store);
    await gdpr.consent.withdraw({ email, purposes: 'all', evidence: { source: 'link' } });
    expect(await gdpr.providerEvents.apply([{ ...hardBounce, type: 'complaint' }])).toEqual([
      { type: 'complaint', action: 'suppressed', upgradedFrom: 'unsubscribed-all' },
    ]);
    expect((await gdpr.suppression.check(email))?.reason).toBe('complaint');
    // Never weakened: an erasure tombstone stays whatever arrives after it.
    await gdpr.suppression.add('gone@example.org', 'erased');
    expect(await gdpr.suppression.add('gone@example.org', 'hard-bounce')).toBe(false);
    expect((await gdpr.suppression.check('gone@example.org'))?.reason).toBe('erased');

    // A DSAR erasure of someone who had unsubscribed leaves the tombstone, not the unsubscribe
    // (REQ-28): the same upgrade, through the same first-wins store.
    const { gdpr: erasing, transport } = setup(store);
    const leaver = 'leaver@example.org';
    await erasing.consent.record({
      email: leaver,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await erasing.consent.withdraw({
      email: leaver,
      purposes: 'all',
      evidence: { source: 'link' },
    });
    expect((await erasing.suppression.check(leaver))?.reason).toBe('unsubscribed-all');
    await erasing.dsar.request({ email: leaver, type: 'erasure' });
    const link = transport.sentTo(leaver).at(-1)?.message.text ?? '';
    const verified = await erasing.dsar.verify(/\/dsar\/verify\/(\S+)/.exec(link)![1]!);
    await erasing.dsar.erase(verified.id);
    expect((await erasing.suppression.check(leaver))?.reason).toBe('erased');
  });
});
