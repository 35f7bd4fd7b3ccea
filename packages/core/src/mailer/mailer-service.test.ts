import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, openTrackingOverrides, testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import { InMemoryTransport } from '../transport/memory-transport.js';

const mailerConfig = {
  from: { address: 'news@acme.test', name: 'Acme' },
  unsubscribeMailto: 'unsubscribe@acme.test',
  retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
  batchSize: 2,
};

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const store = new MemoryStore();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(testConfig({ store, transport, mailer: mailerConfig, ...overrides }));
  return { gdpr, store, transport };
}

const newsletter = (to: string, extra: Record<string, unknown> = {}) => ({
  to,
  purposeId: 'newsletter',
  subject: 'November news',
  text: 'Hello from Acme.',
  html: '<html><body><p>Hello from Acme.</p></body></html>',
  ...extra,
});

async function subscribe(gdpr: ReturnType<typeof setup>['gdpr'], ...emails: string[]) {
  for (const email of emails) {
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
  }
}

describe('mailer: policy, headers, footer (REQ-12, REQ-14)', () => {
  it('sends marketing mail with one-click unsubscribe headers and a visible opt-out link', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    const outcome = await gdpr.mailer.send(newsletter('jane@example.org'));
    expect(outcome).toMatchObject({ status: 'sent', to: 'jane@example.org' });
    const [sent] = transport.sentTo('jane@example.org');
    const headers = sent!.message.headers;
    expect(headers['List-Unsubscribe']).toMatch(
      /^<https:\/\/app\.acme\.test\/gdpr\/u\/[^>]+>, <mailto:unsubscribe@acme\.test\?subject=unsubscribe>$/,
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = /<(https:[^>]+)>/.exec(headers['List-Unsubscribe']!)![1]!;
    expect(sent!.message.text).toContain(url);
    expect(sent!.message.html).toContain(url.replaceAll('&', '&amp;'));
    expect(sent!.message.html).toMatch(/Unsubscribe<\/a>.*<\/body>/s);
    // The link in the mail works: one click withdraws the purpose.
    await gdpr.unsubscribe.oneClick(url.slice(url.lastIndexOf('/') + 1));
    expect((await gdpr.canSend('jane@example.org', 'newsletter')).allowed).toBe(false);
  });

  it('reports a recipient without consent with the reason and sends nothing to them', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'yes@example.org');
    const report = await gdpr.mailer.sendMany([
      newsletter('yes@example.org'),
      newsletter('no@example.org'),
    ]);
    expect(report.outcomes.map((o) => o.status)).toEqual(['sent', 'denied']);
    expect(report.outcomes[1]).toMatchObject({ reason: 'no-consent' });
    expect(report.denied).toEqual({ 'no-consent': 1 });
    expect(transport.sentTo('no@example.org')).toHaveLength(0);
    const actions = [];
    for await (const entry of gdpr.audit.entries()) actions.push(entry.action);
    expect(actions).toContain('mail.denied');
    expect(actions).toContain('mail.sent');
  });

  it('transactional mail goes without marketing headers or footer', async () => {
    const { gdpr, transport } = setup();
    const outcome = await gdpr.mailer.send({
      to: 'buyer@example.org',
      purposeId: 'orders',
      subject: 'Order 42',
      text: 'Shipped.',
    });
    expect(outcome.status).toBe('sent');
    const [sent] = transport.sentTo('buyer@example.org');
    expect(sent!.message.headers['List-Unsubscribe']).toBeUndefined();
    expect(sent!.message.text).toBe('Shipped.');
  });

  it('rejects header injection and invalid addresses with typed errors', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    await expect(
      gdpr.mailer.send(
        newsletter('jane@example.org', { headers: { 'X-Note': 'a\r\nBcc: all@example.org' } }),
      ),
    ).rejects.toMatchObject({ code: 'HEADER_INJECTION' });
    await expect(gdpr.mailer.send(newsletter('not-an-address'))).rejects.toMatchObject({
      code: 'INVALID_EMAIL',
    });
    const report = await gdpr.mailer.sendMany([newsletter('bad\r\n@example.org')]);
    expect(report.outcomes[0]).toMatchObject({ status: 'invalid', code: 'INVALID_EMAIL' });
    expect(transport.sent).toHaveLength(0);
  });

  it('refuses to send without a transport', async () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    await expect(gdpr.mailer.send(newsletter('a@example.org'))).rejects.toMatchObject({
      code: 'MAILER_NOT_CONFIGURED',
    });
  });
});

describe('mailer: idempotency, retries, ambiguity', () => {
  it('a campaign aborted before sending, or sent through a closed transport, goes out on the re-run', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'a@example.org', 'b@example.org');
    const batch = ['a@example.org', 'b@example.org'].map((to) =>
      newsletter(to, { campaignId: 'aborted-run' }),
    );
    const stop = new AbortController();
    stop.abort();
    const aborted = await gdpr.mailer.sendMany(batch, { signal: stop.signal });
    expect(aborted.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(aborted.outcomes[0]).toMatchObject({ category: 'aborted' });
    expect(transport.sent).toHaveLength(0);
    // Nothing reached the provider: the re-run sends, it does not answer duplicate.
    const rerun = await gdpr.mailer.sendMany(batch);
    expect(rerun.counts).toMatchObject({ sent: 2, duplicate: 0 });
    expect(transport.sent).toHaveLength(2);

    const closedSide = setup();
    await subscribe(closedSide.gdpr, 'c@example.org');
    await closedSide.transport.close();
    const message = newsletter('c@example.org', { campaignId: 'closed-run' });
    expect(await closedSide.gdpr.mailer.send(message)).toMatchObject({
      status: 'failed',
      retryable: false,
    });
    // The same store with a working transport (the app restarted) sends it.
    const restarted = createGdprMail(
      testConfig({
        store: closedSide.store,
        transport: new InMemoryTransport(),
        mailer: mailerConfig,
      }),
    );
    expect(await restarted.mailer.send(message)).toMatchObject({ status: 'sent' });
  });

  it('a re-run of the same campaign sends nothing again', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'a@example.org', 'b@example.org', 'c@example.org');
    const batch = ['a@example.org', 'b@example.org', 'c@example.org'].map((to) =>
      newsletter(to, { campaignId: 'nov-2026' }),
    );
    const first = await gdpr.mailer.sendMany(batch);
    expect(first.counts.sent).toBe(3);
    const second = await gdpr.mailer.sendMany(batch);
    expect(second.counts).toMatchObject({ sent: 0, duplicate: 3 });
    expect(transport.sent).toHaveLength(3);
  });

  it('a re-run of a transactional campaign sends nothing again to an address without a record', async () => {
    const { gdpr, transport } = setup();
    const notice = {
      to: 'buyer@example.org',
      purposeId: 'orders',
      campaignId: 'terms-2026',
      subject: 'Our terms change',
      text: 'The new terms apply from January.',
    };
    const first = await gdpr.mailer.sendMany([notice]);
    expect(first.counts.sent).toBe(1);
    const key = (first.outcomes[0] as { idempotencyKey: string }).idempotencyKey;
    expect(key).toMatch(/^campaign:terms-2026:orders:[0-9a-f]{32}$/);
    expect(key).not.toContain('buyer');
    const second = await gdpr.mailer.sendMany([notice]);
    expect(second.counts).toMatchObject({ sent: 0, duplicate: 1 });
    expect(transport.sentTo('buyer@example.org')).toHaveLength(1);
  });

  it('retries a transient failure and delivers once; a rejection is not retried', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'flaky@example.org', 'gone@example.org');
    transport.failFor('flaky@example.org', 'transient', { times: 1 });
    transport.failFor('gone@example.org', 'rejected', { providerCode: '550' });
    const report = await gdpr.mailer.sendMany([
      newsletter('flaky@example.org'),
      newsletter('gone@example.org'),
    ]);
    expect(report.outcomes.map((o) => o.status)).toEqual(['sent', 'failed']);
    expect(report.outcomes[1]).toMatchObject({ category: 'rejected', retryable: false });
    expect(transport.attempts.get('flaky@example.org')).toBe(2);
    expect(transport.attempts.get('gone@example.org')).toBe(1);
    expect(transport.sentTo('flaky@example.org')).toHaveLength(1);
  });

  it('an ambiguous result is not retried, not even by a re-run with the same key', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'maybe@example.org');
    transport.ambiguousFor('maybe@example.org', { delivered: true });
    const input = newsletter('maybe@example.org', { idempotencyKey: 'k-1' });
    expect((await gdpr.mailer.send(input)).status).toBe('ambiguous');
    expect((await gdpr.mailer.send(input)).status).toBe('duplicate');
    expect(transport.attempts.get('maybe@example.org')).toBe(1);
  });

  it('REQ-13: a withdrawal while a campaign is queued stops the mails not yet sent', async () => {
    const { gdpr, transport } = setup();
    const people = ['p1@example.org', 'p2@example.org', 'p3@example.org', 'p4@example.org'];
    await subscribe(gdpr, ...people);
    async function* queue() {
      yield newsletter(people[0]!, { campaignId: 'c' });
      yield newsletter(people[1]!, { campaignId: 'c' });
      // First batch (2) is out; p4 unsubscribes before their batch is dispatched.
      await gdpr.consent.withdraw({
        email: people[3]!,
        purposes: ['newsletter'],
        evidence: { source: 'link' },
      });
      yield newsletter(people[2]!, { campaignId: 'c' });
      yield newsletter(people[3]!, { campaignId: 'c' });
    }
    const report = await gdpr.mailer.sendMany(queue());
    expect(report.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent', 'denied']);
    expect(transport.sentTo(people[3]!)).toHaveLength(0);
  });
});

describe('mailer: system mail and tracking (REQ-15, REQ-29, REQ-30)', () => {
  it('sends the double opt-in mail to a person who unsubscribed before, not to a hard bounce', async () => {
    const { gdpr, transport } = setup();
    await gdpr.suppression.add('again@example.org', 'unsubscribed-all');
    const { message } = await gdpr.optIn.request(
      'again@example.org',
      ['newsletter'],
      checkboxEvidence,
    );
    expect((await gdpr.mailer.sendSystem(message, { kind: 'double-opt-in' })).status).toBe('sent');
    expect(
      transport.sentTo('again@example.org')[0]?.message.headers['List-Unsubscribe'],
    ).toBeUndefined();
    await gdpr.suppression.add('bounced@example.org', 'hard-bounce');
    // No confirmation is even made for a bounced address (REQ-28) ...
    await expect(
      gdpr.optIn.request('bounced@example.org', ['newsletter'], checkboxEvidence),
    ).rejects.toMatchObject({ code: 'SUPPRESSED' });
    // ... and a system mail to it is refused whatever the app built.
    expect(
      await gdpr.mailer.sendSystem(
        { ...message, to: 'bounced@example.org' },
        { kind: 'double-opt-in' },
      ),
    ).toMatchObject({
      status: 'denied',
      reason: 'suppressed',
    });
  });

  function trackingSetup(mode: 'none' | 'aggregate' | 'individual') {
    return setup(openTrackingOverrides(mode));
  }

  it('REQ-09: no pixel by default', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    await gdpr.mailer.send(newsletter('jane@example.org', { campaignId: 'c1' }));
    expect(transport.sent[0]?.message.html).not.toContain('<img');
  });

  it('REQ-29: aggregate mode gives everyone the same pixel URL', async () => {
    const { gdpr, transport } = trackingSetup('aggregate');
    await subscribe(gdpr, 'a@example.org', 'b@example.org');
    await gdpr.mailer.sendMany([
      newsletter('a@example.org', { campaignId: 'c1' }),
      newsletter('b@example.org', { campaignId: 'c1' }),
    ]);
    const pixels = transport.sent.map((s) => /<img src="([^"]+)"/.exec(s.message.html ?? '')?.[1]);
    expect(pixels[0]).toBe('https://app.acme.test/gdpr/t/c/c1.gif');
    expect(pixels[1]).toBe(pixels[0]);
  });

  it('REQ-29/REQ-15/REQ-30: a personal pixel needs tracking consent, no DNT/GPC, and consent when hit', async () => {
    const { gdpr, transport } = trackingSetup('individual');
    await subscribe(gdpr, 'consents@example.org', 'refuses@example.org', 'gpc@example.org');
    await gdpr.consent.record({
      email: 'consents@example.org',
      purposes: ['open_tracking'],
      evidence: checkboxEvidence,
    });
    await gdpr.consent.record({
      email: 'gpc@example.org',
      purposes: ['open_tracking'],
      evidence: checkboxEvidence,
    });
    await gdpr.subjects.upsert('gpc@example.org', {
      privacySignals: { dnt: false, gpc: true, at: new Date() },
    });
    await gdpr.mailer.sendMany(
      ['consents@example.org', 'refuses@example.org', 'gpc@example.org'].map((to) =>
        newsletter(to, { campaignId: 'c1' }),
      ),
    );
    const pixel = (to: string) =>
      /<img src="([^"]+)"/.exec(transport.sentTo(to)[0]?.message.html ?? '')?.[1];
    expect(pixel('refuses@example.org')).toBeUndefined();
    expect(pixel('gpc@example.org')).toBeUndefined();
    const url = pixel('consents@example.org')!;
    expect(url).toMatch(/^https:\/\/app\.acme\.test\/gdpr\/t\/o\/.+\.gif$/);
    const token = url.slice(url.lastIndexOf('/') + 1, -'.gif'.length);
    expect(await gdpr.tracking.open(token)).toMatchObject({ counted: true });
    // Withdraw after sending: the same pixel no longer counts (REQ-30).
    await gdpr.consent.withdraw({
      email: 'consents@example.org',
      purposes: ['open_tracking'],
      evidence: { source: 'link' },
    });
    expect(await gdpr.tracking.open(token)).toMatchObject({ counted: false, reason: 'no-consent' });
    expect(await gdpr.tracking.open(`${token}x`)).toMatchObject({
      counted: false,
      reason: 'invalid-token',
    });
  });

  it('REQ-08/REQ-29: a tracking consent past its refreshAfter gets no personal pixel, and its old pixel stops counting', async () => {
    const clock = createTestClock('2026-01-01T00:00:00.000Z');
    const { gdpr, transport } = setup({
      clock,
      ...openTrackingOverrides(),
      purposes: openTrackingOverrides().purposes.map((p) =>
        p.id === 'open_tracking'
          ? { ...p, refreshAfter: 'P1Y', retention: { duration: 'P2Y', anchor: 'collected' } }
          : p,
      ),
    });
    await subscribe(gdpr, 'old@example.org');
    await gdpr.consent.record({
      email: 'old@example.org',
      purposes: ['open_tracking'],
      evidence: checkboxEvidence,
    });
    await gdpr.mailer.send(newsletter('old@example.org', { campaignId: 'c1' }));
    const url = /<img src="([^"]+)"/.exec(transport.sent[0]?.message.html ?? '')?.[1];
    expect(url).toMatch(/\/t\/o\/.+\.gif$/);
    const token = url!.slice(url!.lastIndexOf('/') + 1, -'.gif'.length);
    expect(await gdpr.tracking.open(token)).toMatchObject({ counted: true });

    clock.set('2027-01-02T00:00:00.000Z');
    expect(await gdpr.consent.isCurrent('old@example.org', 'open_tracking')).toBe(false);
    await gdpr.mailer.send(newsletter('old@example.org', { campaignId: 'c2' }));
    expect(transport.sent[1]?.message.html).not.toContain('/t/o/');
    expect(await gdpr.tracking.open(token)).toMatchObject({ counted: false, reason: 'no-consent' });
  });

  it('refuses individual tracking without a tracking purpose', () => {
    expect(() => createGdprMail(testConfig({ tracking: { mode: 'individual' } }))).toThrow(
      /tracking\.purposeId/,
    );
  });
});

/** Holds every batch on the wire until the test releases it; counts the batches started. */
class GatedTransport extends InMemoryTransport {
  readonly log: string[] = [];
  private readonly gates: (() => void)[] = [];
  private readonly watchers: { batches: number; seen: () => void }[] = [];

  override async sendBatch(...args: Parameters<InMemoryTransport['sendBatch']>) {
    const n = this.gates.length + 1;
    this.log.push(`start ${n}`);
    const held = new Promise<void>((release) => this.gates.push(release));
    for (const w of this.watchers.filter((x) => x.batches === n)) w.seen();
    await held;
    this.log.push(`end ${n}`);
    return super.sendBatch(...args);
  }

  started(batches: number): Promise<void> {
    if (this.gates.length >= batches) return Promise.resolve();
    return new Promise((seen) => this.watchers.push({ batches, seen }));
  }

  release(batch: number): void {
    this.gates[batch - 1]!();
  }
}

describe('mailer: batches in flight', () => {
  const people = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${x}@example.org`);
  // Lets the pipeline run whatever it can before checking it did not start another batch.
  const settle = () => new Promise((done) => setTimeout(done, 50));

  it('keeps inFlightBatches (default 2) on the wire and starts the next as one ends', async () => {
    const transport = new GatedTransport();
    const { gdpr } = setup({ transport });
    await subscribe(gdpr, ...people);
    const running = gdpr.mailer.sendMany(people.map((to) => newsletter(to, { campaignId: 'c' })));
    await transport.started(2);
    await settle();
    expect(transport.log).toEqual(['start 1', 'start 2']);
    transport.release(1);
    await transport.started(3);
    expect(transport.log).toEqual(['start 1', 'start 2', 'end 1', 'start 3']);
    transport.release(2);
    transport.release(3);
    const report = await running;
    expect(report.outcomes.map((o) => o.status)).toEqual(Array(6).fill('sent'));
    expect(transport.sent.map((s) => s.message.to.address).sort()).toEqual(people);
  });

  it('inFlightBatches 1 sends one batch at a time', async () => {
    const transport = new GatedTransport();
    const { gdpr } = setup({ transport, mailer: { ...mailerConfig, inFlightBatches: 1 } });
    await subscribe(gdpr, ...people);
    const running = gdpr.mailer.sendMany(people.map((to) => newsletter(to, { campaignId: 'c' })));
    for (const batch of [1, 2, 3]) {
      await transport.started(batch);
      await settle();
      expect(transport.log.at(-1)).toBe(`start ${batch}`);
      expect(transport.log.filter((x) => x.startsWith('start'))).toHaveLength(batch);
      transport.release(batch);
    }
    expect((await running).counts.sent).toBe(6);
  });

  it('REQ-13: a withdrawal while a batch waits for a free slot stops that batch', async () => {
    const transport = new GatedTransport();
    const { gdpr } = setup({ transport });
    await subscribe(gdpr, ...people);
    const running = gdpr.mailer.sendMany(people.map((to) => newsletter(to, { campaignId: 'c' })));
    // Batches 1 and 2 fill both slots; batch 3 (e, f) waits for one to free up.
    await transport.started(2);
    await settle();
    await gdpr.consent.withdraw({
      email: 'f@example.org',
      purposes: ['newsletter'],
      evidence: { source: 'link' },
    });
    transport.release(1);
    await transport.started(3);
    transport.release(2);
    transport.release(3);
    const report = await running;
    // Checked once the slot was free, right before its own dispatch, not before the wait.
    expect(report.outcomes.map((o) => o.status)).toEqual([...Array(5).fill('sent'), 'denied']);
    expect(report.outcomes[5]).toMatchObject({ reason: 'withdrawn' });
    expect(transport.sentTo('f@example.org')).toHaveLength(0);
  });

  it('a batch that fails surfaces its error after the batches in flight have finished', async () => {
    const transport = new GatedTransport();
    const { gdpr, store } = setup({ transport });
    await subscribe(gdpr, ...people);
    // The first batch's outcome write fails; the ones after it do not.
    const transaction = store.transaction.bind(store);
    let failed = false;
    store.transaction = ((work: Parameters<typeof transaction>[0]) =>
      transaction((tx) => {
        if (failed) return work(tx);
        const failing = Object.create(tx) as typeof tx;
        failing.updateDeliveries = async () => {
          failed = true;
          throw new Error('disk full');
        };
        return work(failing);
      })) as typeof store.transaction;
    const running = gdpr.mailer.sendMany(people.map((to) => newsletter(to, { campaignId: 'c' })));
    running.catch(() => undefined);
    await transport.started(2);
    transport.release(1);
    transport.release(2);
    await expect(running).rejects.toThrow('disk full');
    // Batch 2 was on the wire when batch 1 failed: it finished and was recorded.
    const deliveries = [];
    for await (const d of gdpr.campaigns.deliveries('c')) deliveries.push(d);
    expect(deliveries.filter((d) => d.status === 'accepted')).toHaveLength(2);
    expect(transport.log).not.toContain('start 3');
  });
});

describe('mailer: display names (issue #18)', () => {
  it('accepts to: { address, name } and hands the transport the name with the normalised address', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    const outcome = await gdpr.mailer.send(
      newsletter('x', { to: { address: 'Jane@Example.org', name: 'Jane Doe' } }) as never,
    );
    expect(outcome).toMatchObject({ status: 'sent', to: 'jane@example.org' });
    const [sent] = transport.sentTo('jane@example.org');
    expect(sent!.message.to).toEqual({ address: 'jane@example.org', name: 'Jane Doe' });
  });

  it('uses the name stored on the profile when the message gives none', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    await gdpr.subjects.upsert('jane@example.org', {
      name: 'Jane Doe',
      phone: '+33 1 23 45 67 89',
    });
    const subject = await gdpr.subjects.get('jane@example.org');
    expect(subject?.profile).toMatchObject({ name: 'Jane Doe', phone: '+33 1 23 45 67 89' });
    await gdpr.mailer.send(newsletter('jane@example.org'));
    const [sent] = transport.sentTo('jane@example.org');
    expect(sent!.message.to).toEqual({ address: 'jane@example.org', name: 'Jane Doe' });
  });

  it('rejects a display name carrying a header injection with a typed error', async () => {
    const { gdpr, transport } = setup();
    await subscribe(gdpr, 'jane@example.org');
    await expect(
      gdpr.mailer.send(
        newsletter('x', {
          to: { address: 'jane@example.org', name: 'Jane\r\nBcc: evil@example.com' },
        }) as never,
      ),
    ).rejects.toMatchObject({ code: 'HEADER_INJECTION' });
    expect(transport.sentTo('jane@example.org')).toHaveLength(0);
  });
});
