import { describe, expect, it } from 'vitest';
import { testGdpr } from '../testing/test-gdpr.js';

describe('the outbox retries work whose mail the transport did not take', () => {
  it('REQ-16: a sign-up queued in the outbox is retried when its confirmation mail fails', async () => {
    const { gdpr, transport, clock } = testGdpr({
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const fresh = 'fresh@example.org';
    transport.failFor(fresh, 'rate-limited', { retryable: true, times: 1 });
    await gdpr.outbox.enqueue({
      kind: 'signup',
      email: fresh,
      purposes: ['newsletter'],
      evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
      locale: 'en',
      at: '2026-03-01T09:00:00.000Z',
    });
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    const sent = transport.sentTo(fresh);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message.text).toMatch(/https:\/\/\S+\/confirm\//);
  });
});
