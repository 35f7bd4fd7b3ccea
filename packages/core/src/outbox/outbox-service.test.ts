import { describe, expect, it } from 'vitest';
import type { GdprMailConfig } from '../config/config-schema.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
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
