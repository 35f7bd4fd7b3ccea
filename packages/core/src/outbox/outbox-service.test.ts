import { describe, expect, it, vi } from 'vitest';
import type { GdprMailConfig } from '../config/config-schema.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { testGdpr } from '../testing/test-gdpr.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import type { SignupWork } from './outbox-service.js';

const known = 'known@example.org';
const fresh = 'fresh@example.org';

const setup = (overrides: Partial<GdprMailConfig> = {}, store = new MemoryStore()) =>
  testGdpr(overrides, store);

const signup = (email: string): SignupWork => ({
  kind: 'signup',
  email,
  purposes: ['newsletter'],
  evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form' },
  locale: 'en',
  signals: { dnt: false, gpc: true },
  at: '2026-03-01T09:00:00.000Z',
});

describe('#19 finding 2: the outbox', () => {
  it('keeps the work sealed at rest, then runs the signup and the DSAR request on drain', async () => {
    const { gdpr, store, transport } = setup();
    await gdpr.consent.record({
      email: known,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await gdpr.outbox.enqueue(signup(fresh));
    await gdpr.outbox.enqueue({ kind: 'dsar-request', email: known, type: 'access' });
    const items = await store.listOutbox(10);
    expect(items.map((i) => i.kind).sort()).toEqual(['dsar-request', 'signup']);
    for (const item of items) {
      // A data key of its own, wrapped by the current KEK (retiring the KEK shreds old copies).
      expect(item.payload).toMatch(/^pepper:g1\.[A-Za-z0-9_-]+\|g1\./);
      expect(item.payload).not.toContain('example.org');
    }
    expect(store.dump()).not.toContain(fresh);

    expect(await gdpr.outbox.drain()).toEqual({ done: 2, retried: 0, dropped: 0 });
    expect(transport.sentTo(fresh)).toHaveLength(1);
    expect(transport.sentTo(known)).toHaveLength(1);
    expect(transport.sentTo(known)[0]!.message.text).toContain('/dsar/verify/');
    // REQ-15: the GPC signal seen on the request is kept, with the request's time.
    expect((await gdpr.subjects.get(fresh))?.profile.privacySignals).toEqual({
      dnt: false,
      gpc: true,
      at: new Date('2026-03-01T09:00:00.000Z'),
    });
    expect(await store.listOutbox(10)).toEqual([]);
  });

  it('mails nothing for a suppressed address or an unknown DSAR address, and finishes the items', async () => {
    const { gdpr, store, transport } = setup();
    await gdpr.suppression.add(fresh, 'erased', { source: 'test' });
    await gdpr.outbox.enqueue(signup(fresh));
    await gdpr.outbox.enqueue({
      kind: 'dsar-request',
      email: 'nobody@example.org',
      type: 'access',
    });
    expect(await gdpr.outbox.drain()).toEqual({ done: 2, retried: 0, dropped: 0 });
    expect(transport.sent).toHaveLength(0);
    expect(await store.listOutbox(10)).toEqual([]);
  });

  it('retries a failing item after its back-off, then drops it and records that without personal data', async () => {
    const { gdpr, store, clock } = setup({ outbox: { maxAttempts: 2, retryBaseMs: 60_000 } });
    gdpr.outbox.useSender(async () => {
      throw new Error(`transport down for ${fresh}`);
    });
    await gdpr.outbox.enqueue(signup(fresh));
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 1, dropped: 0 });
    expect(await store.listOutbox(10)).toMatchObject([{ attempts: 1, lastError: 'UNEXPECTED' }]);
    // Not before its back-off.
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 0, dropped: 0 });
    clock.advance(60_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 0, dropped: 1 });
    expect(await store.listOutbox(10)).toEqual([]);
    const entries = await store.listAudit(0, 100);
    const dropped = entries.find((e) => e.action === 'outbox.dropped');
    expect(dropped?.details).toMatchObject({ kind: 'signup', attempts: 2, error: 'UNEXPECTED' });
    expect(JSON.stringify(dropped)).not.toContain('example.org');
    await gdpr.close();
  });

  it('takes over the items of a drainer that crashed, once its lease ran out', async () => {
    const { gdpr, store, transport, clock } = setup({ outbox: { leaseMs: 30_000 } });
    await gdpr.outbox.enqueue(signup(fresh));
    // Another process claimed it and died before finishing.
    await store.claimOutbox({
      now: clock(),
      leaseUntil: new Date(clock().getTime() + 30_000),
      owner: 'crashed-process',
      limit: 10,
    });
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 0, dropped: 0 });
    clock.advance(30_000);
    expect(await gdpr.outbox.drain()).toEqual({ done: 1, retried: 0, dropped: 0 });
    expect(transport.sentTo(fresh)).toHaveLength(1);
  });

  it('drops, without running it, an item whose drainers crashed on it maxAttempts times (poison)', async () => {
    const { gdpr, store, transport, clock } = setup({
      outbox: { maxAttempts: 3, leaseMs: 1000 },
    });
    await gdpr.outbox.enqueue(signup(fresh));
    for (let i = 0; i < 3; i += 1) {
      await store.claimOutbox({
        now: clock(),
        leaseUntil: new Date(clock().getTime() + 1000),
        owner: `crashed-${i}`,
        limit: 1,
      });
      clock.advance(1000);
    }
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 0, dropped: 1 });
    expect(transport.sent).toHaveLength(0);
    const entries = await store.listAudit(0, 100);
    expect(entries.find((e) => e.action === 'outbox.dropped')?.details).toMatchObject({
      attempts: 4,
      error: 'LEASE_EXPIRED',
    });
  });

  it('runs each item once when two processes drain the same store at once', async () => {
    const store = new MemoryStore();
    const one = setup({}, store);
    const two = setup({}, store);
    const addresses = Array.from({ length: 25 }, (_, i) => `p${i}@example.org`);
    for (const email of addresses) await one.gdpr.outbox.enqueue(signup(email));
    const [a, b] = await Promise.all([one.gdpr.outbox.drain(), two.gdpr.outbox.drain()]);
    expect(a.done + b.done).toBe(25);
    const sent = [...one.transport.sent, ...two.transport.sent].map((s) => s.message.to.address);
    expect(sent.sort()).toEqual([...addresses].sort());
  });

  it('drops an item sealed under another pepper instead of retrying it for ever', async () => {
    const store = new MemoryStore();
    const other = setup(
      { secrets: { pepper: 'another-pepper-0123456789-abcdefghijklmnop' } },
      store,
    );
    await other.gdpr.outbox.enqueue(signup(fresh));
    const { gdpr, transport } = setup({}, store);
    expect(await gdpr.outbox.drain()).toEqual({ done: 0, retried: 0, dropped: 1 });
    expect(transport.sent).toHaveLength(0);
  });

  it('REQ-21: a process serving the routes sweeps the outbox, so items a crashed process left run without new traffic', async () => {
    const store = new MemoryStore();
    // Queued by a process that died before draining.
    await setup({}, store).gdpr.outbox.enqueue(signup(fresh));
    const { gdpr, transport } = setup({ outbox: { sweepMs: 20 } }, store);
    gdpr.outbox.startSweeping();
    for (let i = 0; i < 500 && transport.sentTo(fresh).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(transport.sentTo(fresh)).toHaveLength(1);
    expect(await store.listOutbox(10)).toEqual([]);
    await gdpr.close();
  });

  it('close() finishes the work scheduled after an answer', async () => {
    const { gdpr, transport } = setup();
    await gdpr.outbox.enqueue(signup(fresh));
    gdpr.outbox.drainSoon();
    await gdpr.close();
    expect(transport.sentTo(fresh)).toHaveLength(1);
  });
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

describe('an outbox failure without a logger', () => {
  it('reaches the console once per error code, naming no person', async () => {
    const transport = new InMemoryTransport();
    const clock = createTestClock('2026-03-01T09:00:00.000Z');
    const { logger: _tests, ...withoutLogger } = testConfig({
      transport,
      clock,
      mailer: { from: { address: 'privacy@acme.test' }, retry: { maxAttempts: 1 } },
      outbox: { maxAttempts: 5, retryBaseMs: 60_000 },
    });
    const gdpr = createGdprMail(withoutLogger);
    const email = 'silent@example.org';
    transport.failFor(email, 'transient', { retryable: true, times: 2 });
    const warned: string[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((text: unknown) => {
      warned.push(String(text));
    });
    try {
      await gdpr.outbox.enqueue(signup(email));
      await gdpr.outbox.drain();
      clock.advance(60_000);
      await gdpr.outbox.drain();
    } finally {
      spy.mockRestore();
    }
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('PROVIDER_UNAVAILABLE');
    expect(warned[0]).not.toContain(email);
  });
});
