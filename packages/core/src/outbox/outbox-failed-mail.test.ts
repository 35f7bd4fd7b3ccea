import { describe, expect, it } from 'vitest';
import { testGdpr } from '../testing/test-gdpr.js';
import type { SignupWork } from './outbox-service.js';

const signup = (email: string): SignupWork => ({
  kind: 'signup',
  email,
  purposes: ['newsletter'],
  evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
  locale: 'en',
  at: '2026-03-01T09:00:00.000Z',
});

function confirmToken(text: string): string {
  const match = /\/confirm\/(\S+)/.exec(text);
  if (!match) throw new Error('no confirmation link in the mail');
  return match[1]!;
}

describe('the outbox retries work whose mail the transport did not take', () => {
  it('REQ-16: a sign-up queued in the outbox is retried when its confirmation mail fails', async () => {
    const { gdpr, transport, clock } = testGdpr({
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const fresh = 'fresh@example.org';
    transport.failFor(fresh, 'rate-limited', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue(signup(fresh));
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    const sent = transport.sentTo(fresh);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message.text).toMatch(/https:\/\/\S+\/confirm\//);
  });

  it('REQ-16: a retry sends the mail of the first request instead of asking again, so retries do not use up the daily limit', async () => {
    // Four refused mails against a limit of 5 requests a day: were each retry a new request,
    // the person's own second sign-up that day would be refused (5 + 1 > 5).
    const { gdpr, store, transport, clock } = testGdpr({
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const email = 'patient@example.org';
    transport.failFor(email, 'transient', { retryable: true, times: 4 });
    await gdpr.outbox.enqueue(signup(email));
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
      clock.advance(60_000 * 2 ** (attempt - 1));
    }
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    const sent = transport.sentTo(email);
    expect(sent).toHaveLength(1);

    const subject = await gdpr.subjects.get(email);
    const ledger = await store.listConsentEvents(subject!.id);
    expect(ledger.filter((event) => event.type === 'requested')).toHaveLength(1);
    // The mail that finally went out is the request's own: its link confirms.
    await gdpr.optIn.confirm(confirmToken(sent[0]!.message.text ?? ''));
    expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('granted');
  });

  it('sends nothing on a retry once the address was suppressed or erased, and finishes the item', async () => {
    const { gdpr, transport, clock } = testGdpr({
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const complained = 'complained@example.org';
    const erased = 'erased@example.org';
    transport.failFor(complained, 'transient', { retryable: true, times: 1 });
    transport.failFor(erased, 'transient', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue(signup(complained));
    await gdpr.outbox.enqueue(signup(erased));
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 2, dropped: 0 });

    await gdpr.suppression.add(complained, 'complaint');
    await gdpr.subjects.delete(erased, { actor: 'test' });
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 2, retried: 0, dropped: 0 });
    expect(transport.sentTo(complained)).toEqual([]);
    expect(transport.sentTo(erased)).toEqual([]);
  });

  it('REQ-16: a retry after the kept link expired (no drain for days) asks afresh, and that link confirms', async () => {
    const { gdpr, transport, clock } = testGdpr({
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const email = 'late@example.org';
    transport.failFor(email, 'transient', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue(signup(email));
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    clock.advance(30 * 86_400_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    const sent = transport.sentTo(email);
    expect(sent).toHaveLength(1);
    await gdpr.optIn.confirm(confirmToken(sent[0]!.message.text ?? ''));
    expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('granted');
  });
});

