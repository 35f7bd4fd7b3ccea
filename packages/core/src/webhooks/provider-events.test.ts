import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import { constantTimeEqual } from './constant-time.js';
import type { ProviderEvent } from './provider-events.js';

function setup() {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store }));
  return { gdpr, store };
}

const bounce: ProviderEvent = {
  provider: 'ses',
  type: 'hard-bounce',
  email: 'Jane@Example.com',
  eventId: 'evt-1',
  providerMessageId: 'msg-1',
  detail: '5.1.1',
};

describe('provider events feed suppression', () => {
  it('REQ-28: a hard bounce suppresses the address (keyed hash only) and audits once; a replay changes nothing', async () => {
    const { gdpr } = setup();
    await gdpr.consent.record({
      email: 'jane@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    expect(await gdpr.providerEvents.apply([bounce])).toEqual([
      { type: 'hard-bounce', action: 'suppressed' },
    ]);
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.canSend('jane@example.com', 'newsletter')).allowed).toBe(false);
    const auditBefore = await gdpr.audit.verify();
    expect(auditBefore.ok).toBe(true);

    expect(await gdpr.providerEvents.apply([bounce])).toEqual([
      { type: 'hard-bounce', action: 'already-suppressed' },
    ]);
    expect(await gdpr.audit.verify()).toEqual(auditBefore);
  });

  it('maps complaint, blocked and unsubscribe to their suppression reasons and ignores the rest', async () => {
    const { gdpr } = setup();
    const outcomes = await gdpr.providerEvents.apply([
      { provider: 'mailjet', type: 'complaint', email: 'a@example.com' },
      { provider: 'mailjet', type: 'blocked', email: 'b@example.com' },
      { provider: 'mailjet', type: 'unsubscribe', email: 'c@example.com' },
      { provider: 'mailjet', type: 'soft-bounce', email: 'd@example.com' },
      { provider: 'mailjet', type: 'other', email: 'e@example.com' },
    ]);
    expect(outcomes.map((o) => o.action)).toEqual([
      'suppressed',
      'suppressed',
      'suppressed',
      'ignored',
      'ignored',
    ]);
    expect((await gdpr.suppression.check('a@example.com'))?.reason).toBe('complaint');
    expect((await gdpr.suppression.check('b@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.suppression.check('c@example.com'))?.reason).toBe('unsubscribed-all');
    expect(await gdpr.suppression.check('d@example.com')).toBeUndefined();
  });

  it('REQ-32: a detail quoting the recipient reaches the audit log without the address or its local part (the entry outlives an erasure)', async () => {
    const { gdpr, store } = setup();
    await gdpr.providerEvents.apply([
      {
        provider: 'custom-relay',
        type: 'hard-bounce',
        email: 'Zq7.Erase+Me@Example.org',
        detail:
          '550 5.1.1 <zq7.erase+me@example.org>: Recipient address rejected; ZQ7.ERASE+ME... User unknown',
      },
      {
        provider: 'custom-relay',
        type: 'complaint',
        email: 'ab@example.org',
        // A local part under 3 characters is left alone: it would match inside common words.
        detail: `abuse report about ab@example.org ${'x'.repeat(300)}`,
      },
    ]);
    const details = (await store.listAudit(0, 100))
      .filter((e) => e.action === 'suppression.added')
      .map((e) => String(e.details?.detail));
    expect(details[0]).toBe(
      '550 5.1.1 <[address]>: Recipient address rejected; [address]... User unknown',
    );
    expect(details[1]).toBe(`abuse report about [address] ${'x'.repeat(171)}`);
    expect(details[1]).toHaveLength(200);
    for (const detail of details) expect(detail.toLowerCase()).not.toMatch(/zq7|@example/);
  });

  it('refuses an unknown event type before writing anything', async () => {
    const { gdpr } = setup();
    const events = [
      { provider: 'x', type: 'hard-bounce', email: 'a@example.com' },
      { provider: 'x', type: 'exploded', email: 'b@example.com' },
    ] as unknown as ProviderEvent[];
    const error = await gdpr.providerEvents.apply(events).catch((e: unknown) => e);
    expect(isGdprMailError(error) && error.code).toBe('VALIDATION_FAILED');
    expect(await gdpr.suppression.check('a@example.com')).toBeUndefined();
  });
});

describe('#19 finding 8: provider events are applied per recipient', () => {
  it('REQ-28: a malformed address is rejected (INVALID_EMAIL) while the valid events of the same call are applied', async () => {
    const { gdpr } = setup();
    const outcomes = await gdpr.providerEvents.apply([
      { provider: 'ses', type: 'hard-bounce', email: 'valid@example.org', eventId: 'n-1' },
      { provider: 'ses', type: 'hard-bounce', email: 'not an address', eventId: 'n-1' },
      { provider: 'ses', type: 'complaint', email: 42 as unknown as string, eventId: 'n-1' },
      { provider: 'ses', type: 'soft-bounce', email: 'also bad', eventId: 'n-1' },
    ]);
    expect(outcomes).toEqual([
      { type: 'hard-bounce', action: 'suppressed' },
      { type: 'hard-bounce', action: 'rejected', code: 'INVALID_EMAIL' },
      { type: 'complaint', action: 'rejected', code: 'INVALID_EMAIL' },
      { type: 'soft-bounce', action: 'ignored' },
    ]);
    expect((await gdpr.suppression.check('valid@example.org'))?.reason).toBe('hard-bounce');
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('a call whose only suppressing events are malformed writes nothing and does not throw', async () => {
    const { gdpr, store } = setup();
    let transactions = 0;
    const transaction = store.transaction.bind(store);
    store.transaction = ((work) => {
      transactions += 1;
      return transaction(work);
    }) as typeof store.transaction;
    const outcomes = await gdpr.providerEvents.apply([
      { provider: 'ses', type: 'hard-bounce', email: 'two@@example.org' },
    ]);
    expect(outcomes).toEqual([{ type: 'hard-bounce', action: 'rejected', code: 'INVALID_EMAIL' }]);
    expect(transactions).toBe(0);
  });
});

describe('provider erasure hook', () => {
  it('REQ-26: a transport with eraseContact is told of every erasure and its answer lands in the certificate', async () => {
    const erased: string[] = [];
    const transport = Object.assign(new InMemoryTransport(), {
      eraseContact: async (email: string) => {
        erased.push(email);
        return { ok: true, detail: 'deleted' };
      },
    });
    const gdpr = createGdprMail(
      testConfig({
        store: new MemoryStore(),
        transport,
        mailer: { from: { address: 'privacy@acme.test' } },
      }),
    );
    const email = 'jane@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'erasure' });
    const text = transport.sentTo(email).at(-1)?.message.text ?? '';
    const url = /(https:\/\/\S+\/dsar\/verify\/\S+)/.exec(text)?.[1] ?? '';
    const request = await gdpr.dsar.verify(url.slice(url.lastIndexOf('/') + 1));
    const certificate = await gdpr.dsar.erase(request.id);
    expect(erased).toEqual([email]);
    expect(certificate.processors[transport.processor.name]).toEqual({
      ok: true,
      detail: 'deleted',
    });
  });
});

describe('constantTimeEqual', () => {
  it('tells equal secrets from different ones of any length', () => {
    expect(constantTimeEqual('s3cret', 's3cret')).toBe(true);
    expect(constantTimeEqual('s3cret', 's3creT')).toBe(false);
    expect(constantTimeEqual('s3cret', 's3cret-longer')).toBe(false);
    expect(constantTimeEqual('', 's3cret')).toBe(false);
  });
});
