import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import type { GdprStore } from '../store/store-types.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

/** The same store seen without its `readSendFacts` fast path, as SQL stores are read. */
function withoutFastPath(store: MemoryStore): GdprStore {
  const view = Object.create(store) as GdprStore;
  Object.defineProperty(view, 'readSendFacts', { value: undefined });
  return view;
}

describe('canSend through readSendFacts', () => {
  it('decides exactly as the three separate reads do, for every kind of person', async () => {
    const store = new MemoryStore();
    const gdpr = createGdprMail(testConfig({ store }));
    const slow = createGdprMail(testConfig({ store: withoutFastPath(store) }));
    const people = {
      granted: 'granted@example.org',
      withdrawn: 'withdrawn@example.org',
      suppressed: 'suppressed@example.org',
      pending: 'pending@example.org',
      unknown: 'unknown@example.org',
      restricted: 'restricted@example.org',
    };
    for (const email of [people.granted, people.withdrawn, people.suppressed, people.restricted]) {
      await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    }
    await gdpr.consent.withdraw({
      email: people.withdrawn,
      purposes: ['newsletter'],
      evidence: { source: 'test', actor: 'subject', method: 'api' },
    });
    await gdpr.suppression.add(people.suppressed, 'complaint');
    await gdpr.optIn.request(people.pending, ['newsletter'], checkboxEvidence);
    await gdpr.subjects.upsert(people.restricted, {
      restriction: { at: new Date('2026-01-01T00:00:00Z'), reason: 'contested accuracy' },
    });

    const reasons: Record<string, string> = {};
    for (const [kind, email] of Object.entries(people)) {
      for (const purpose of ['newsletter', 'partners', 'customer-offers']) {
        const fast = await gdpr.canSend(email, purpose);
        expect(fast).toEqual(await slow.canSend(email, purpose));
        if (purpose === 'newsletter') reasons[kind] = fast.reason;
      }
    }
    // The scenarios reach the branches they are meant to.
    expect(reasons).toEqual({
      granted: 'consent-granted',
      withdrawn: 'withdrawn',
      suppressed: 'suppressed',
      pending: 'pending-confirmation',
      unknown: 'no-consent',
      restricted: 'restricted',
    });
  });

  it('sees a write made after an earlier read: no stale view', async () => {
    const store = new MemoryStore();
    const gdpr = createGdprMail(testConfig({ store }));
    const email = 'ada@example.org';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
    await gdpr.consent.withdraw({
      email,
      purposes: ['newsletter'],
      evidence: { source: 'test', actor: 'subject', method: 'api' },
    });
    expect(await gdpr.canSend(email, 'newsletter')).toMatchObject({ reason: 'withdrawn' });
  });
});
