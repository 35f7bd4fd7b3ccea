import { describe, expect, it } from 'vitest';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import type { GdprStore } from '../store/store-types.js';
import { checkboxEvidence, claimedDelivery, testConfig } from '../testing/fixtures.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import { campaignIdempotencyKey } from './campaign-service.js';
import type { CampaignMember, CampaignReport } from './campaign-types.js';

function setup(clock?: () => Date, transport = new InMemoryTransport()) {
  const store = new MemoryStore();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: {
        from: { address: 'news@acme.test', name: 'Acme' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        batchSize: 3,
      },
      ...(clock ? { clock } : {}),
    }),
  );
  return { gdpr, store, transport };
}

const render = (member: CampaignMember) => ({
  subject: 'Spring news',
  text: `Hello ${member.email}, here is our spring selection.`,
});

/** 12 consenting people and one of each kind of refusal. */
async function seed(gdpr: ReturnType<typeof setup>['gdpr']) {
  const consenting = Array.from({ length: 12 }, (_, i) => `member${i}@example.org`);
  const all = [
    ...consenting,
    'withdrawn@example.org',
    'objected@example.org',
    'suppressed@example.org',
    'restricted@example.org',
  ];
  for (const email of all) {
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
  }
  await gdpr.consent.withdraw({
    email: 'withdrawn@example.org',
    purposes: ['newsletter'],
    evidence: { source: 'link' },
  });
  await gdpr.consent.object({ email: 'objected@example.org', evidence: { source: 'reply' } });
  await gdpr.suppression.add('suppressed@example.org', 'hard-bounce');
  await gdpr.subjects.upsert('restricted@example.org', {
    restriction: { at: new Date(), reason: 'Art. 18' },
  });
  await gdpr.consent.record({
    email: 'partners-only@example.org',
    purposes: ['partners'],
    evidence: checkboxEvidence,
  });
  return { consenting, denied: all.slice(12) };
}

function perAddress(transport: InMemoryTransport): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sent of transport.sent) {
    const to = sent.message.to.address;
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

describe('gdpr.campaigns.run', () => {
  it('REQ-11/REQ-28: mails each consenting member once, nobody refused, and counts refusals by reason', async () => {
    const { gdpr, transport } = setup();
    const { consenting, denied } = await seed(gdpr);
    const progress: CampaignReport[] = [];
    const report = await gdpr.campaigns.run({
      id: 'spring-2026',
      purposeId: 'newsletter',
      render,
      batchSize: 4,
      scan: 'all-subjects',
      onProgress: (r) => {
        progress.push(r);
      },
    });
    const counts = perAddress(transport);
    expect([...counts.keys()].sort()).toEqual([...consenting].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const email of denied) expect(counts.get(email)).toBeUndefined();
    expect(report).toMatchObject({
      campaignId: 'spring-2026',
      scanned: 17,
      sent: 12,
      alreadySent: 0,
      failed: 0,
      inFlight: 0,
      denied: 5,
      complete: true,
    });
    expect(report.deniedByReason).toEqual({
      withdrawn: 1,
      objected: 1,
      suppressed: 1,
      restricted: 1,
      'no-consent': 1,
    });
    // One progress report per batch of 4, totals only growing.
    expect(progress.map((p) => p.scanned)).toEqual([4, 8, 12, 16, 17]);
    expect(progress.at(-1)?.sent).toBe(12);
    // Each message carries the campaign's key for its recipient.
    const [first] = transport.sent;
    expect(first?.message.idempotencyKey).toMatch(/^campaign:spring-2026:newsletter:/);
  });

  it('scans only candidates by default: suppressed and restricted are counted, withdrawn are never read', async () => {
    const { gdpr, transport } = setup();
    await seed(gdpr);
    const report = await gdpr.campaigns.run({ id: 'c1', purposeId: 'newsletter', render });
    expect(report.sent).toBe(12);
    expect(report.deniedByReason).toEqual({ suppressed: 1, restricted: 1 });
    expect(report.scanned).toBe(14);
    expect(transport.sent).toHaveLength(12);
  });

  it('a second run of the same campaign sends nothing new and reports everyone as already sent', async () => {
    const { gdpr, transport } = setup();
    await seed(gdpr);
    await gdpr.campaigns.run({ id: 'spring', purposeId: 'newsletter', render, batchSize: 5 });
    expect(transport.sent).toHaveLength(12);
    const again = await gdpr.campaigns.run({ id: 'spring', purposeId: 'newsletter', render });
    expect(transport.sent).toHaveLength(12);
    expect(again).toMatchObject({ sent: 0, alreadySent: 12, denied: 2, complete: true });
    // Another campaign id is another campaign.
    const other = await gdpr.campaigns.run({ id: 'summer', purposeId: 'newsletter', render });
    expect(other.sent).toBe(12);
  });

  it('aborted mid-way, then resumed: the rest is sent, everyone exactly once', async () => {
    const { gdpr, transport } = setup();
    const { consenting } = await seed(gdpr);
    const controller = new AbortController();
    const first = await gdpr.campaigns.run({
      id: 'resume',
      purposeId: 'newsletter',
      render,
      batchSize: 3,
      signal: controller.signal,
      onProgress: (r) => {
        if (r.batches === 2) controller.abort();
      },
    });
    expect(first.complete).toBe(false);
    expect(first.sent).toBeGreaterThan(0);
    expect(first.sent).toBeLessThan(12);
    expect(transport.sent).toHaveLength(first.sent);

    const second = await gdpr.campaigns.run({
      id: 'resume',
      purposeId: 'newsletter',
      render,
      batchSize: 3,
    });
    expect(second.complete).toBe(true);
    expect(second.sent + first.sent).toBe(12);
    expect(second.alreadySent).toBe(first.sent);
    const counts = perAddress(transport);
    expect([...counts.keys()].sort()).toEqual([...consenting].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('takes over a stale claim that never reached the transport, never re-sends one handed over', async () => {
    let now = new Date('2026-05-01T10:00:00.000Z');
    const { gdpr, store, transport } = setup(() => now);
    await seed(gdpr);
    const candidates = await gdpr.store.listAudienceCandidates({
      purposeId: 'newsletter',
      consentRequired: true,
      limit: 100,
    });
    const [a, b] = candidates.filter((s) => s.email.startsWith('member'));
    // A crashed worker: `a` claimed only, `b` already handed to the transport.
    const crashed = (id: string, messageId: string) =>
      claimedDelivery(
        {
          idempotencyKey: campaignIdempotencyKey('crash', 'newsletter', id),
          messageId,
          subjectId: id,
          campaignId: 'crash',
        },
        now,
      );
    await store.claimDeliveries([crashed(a!.id, '<a@old>'), crashed(b!.id, '<b@old>')]);
    await store.startDeliveries(
      [
        {
          idempotencyKey: campaignIdempotencyKey('crash', 'newsletter', b!.id),
          messageId: '<b@old>',
        },
      ],
      now,
    );

    // Too early: the claim may belong to a live worker.
    const early = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(early).toMatchObject({ sent: 10, inFlight: 2 });

    now = new Date('2026-05-01T10:05:00.000Z');
    const later = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(later).toMatchObject({ sent: 1, alreadySent: 10, inFlight: 1 });
    const counts = perAddress(transport);
    expect(counts.get(a!.email)).toBe(1);
    expect(counts.get(b!.email)).toBeUndefined();

    // The operator finds what the crash left unknown, checks the relay's logs, settles it.
    const unknown = [];
    for await (const d of gdpr.campaigns.deliveries('crash', { status: 'sending' }))
      unknown.push(d);
    expect(unknown.map((d) => d.messageId)).toEqual(['<b@old>']);
    const all = [];
    for await (const d of gdpr.campaigns.deliveries('crash', { pageSize: 5 })) all.push(d);
    expect(all).toHaveLength(12);
    await expect(
      gdpr.campaigns.settle(all.find((d) => d.status === 'accepted')!.idempotencyKey, 'delivered'),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const settled = await gdpr.campaigns.settle(unknown[0]!.idempotencyKey, 'not-delivered', {
      actor: 'ops@acme.test',
    });
    expect(settled).toMatchObject({ status: 'failed', retryable: true });
    const third = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(third).toMatchObject({ sent: 1, alreadySent: 11, inFlight: 0 });
    expect(perAddress(transport).get(b!.email)).toBe(1);
    const entries = [];
    for await (const entry of gdpr.audit.entries()) entries.push(entry);
    expect(entries.filter((e) => e.action === 'mail.settled')).toHaveLength(1);
  });

  it('two workers racing on one key: the one whose claim was taken over sends nothing', async () => {
    const store = new MemoryStore();
    const transport = new InMemoryTransport();
    let raced = false;
    // Another worker takes the claim over between this worker's claim and its start.
    const startDeliveries = async (
      starts: Parameters<MemoryStore['startDeliveries']>[0],
      at: Date,
    ): Promise<string[]> => {
      if (!raced) {
        raced = true;
        for (const start of starts) {
          const existing = (await store.getDelivery(start.idempotencyKey))!;
          const claims = await store.claimDeliveries(
            [{ ...existing, messageId: `<other-${start.idempotencyKey}@worker2>` }],
            { reclaimClaimedBefore: new Date(at.getTime() + 1) },
          );
          expect(claims[0]).toEqual({ claimed: true });
        }
      }
      return store.startDeliveries(starts, at);
    };
    const racing = new Proxy(store, {
      get(target, key) {
        if (key === 'startDeliveries') return startDeliveries;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const gdpr = createGdprMail(
      testConfig({
        store: racing,
        transport,
        mailer: { from: { address: 'news@acme.test' }, batchSize: 10 },
      }),
    );
    await gdpr.consent.record({
      email: 'ada@example.org',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const report = await gdpr.campaigns.run({ id: 'race', purposeId: 'newsletter', render });
    expect(transport.sent).toHaveLength(0);
    expect(report).toMatchObject({ sent: 0, inFlight: 1 });
    const [subject] = await store.listSubjects({ limit: 1 });
    const record = await store.getDelivery(
      campaignIdempotencyKey('race', 'newsletter', subject!.id),
    );
    expect(record).toMatchObject({
      status: 'claimed',
      messageId: expect.stringMatching(/worker2/),
    });
  });

  it('keeps only the members a filter accepts', async () => {
    const { gdpr, transport } = setup();
    await seed(gdpr);
    const report = await gdpr.campaigns.run({
      id: 'segment',
      purposeId: 'newsletter',
      render,
      filter: (m) => /member[0-4]@/.test(m.email),
    });
    expect(report.sent).toBe(5);
    expect(report.filteredOut).toBe(9);
    expect(transport.sent).toHaveLength(5);
  });

  it('a render that throws mid-page stops the run; what was handed over is recorded, a re-run sends the rest once', async () => {
    const { gdpr, transport } = setup();
    const { consenting } = await seed(gdpr);
    const rendered: string[] = [];
    const failing = (member: CampaignMember) => {
      // Mailer batches of 3: two are on their way when the seventh member fails.
      if (rendered.length === 6) throw new Error('template error');
      rendered.push(member.email);
      return render(member);
    };
    await expect(
      gdpr.campaigns.run({ id: 'broken', purposeId: 'newsletter', render: failing }),
    ).rejects.toThrow('template error');
    // The two batches handed over went out (the refused among them were not mailed).
    const handedOver = rendered.filter((email) => consenting.includes(email));
    expect(handedOver.length).toBeGreaterThan(0);
    expect(transport.sent.map((m) => m.message.to.address).sort()).toEqual(handedOver.sort());
    const again = await gdpr.campaigns.run({ id: 'broken', purposeId: 'newsletter', render });
    expect(again).toMatchObject({
      sent: 12 - handedOver.length,
      alreadySent: handedOver.length,
      complete: true,
    });
    const counts = perAddress(transport);
    expect([...counts.keys()].sort()).toEqual([...consenting].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses a bad campaign id or an unknown purpose before reading anything', async () => {
    const { gdpr } = setup();
    await expect(
      gdpr.campaigns.run({ id: 'has space', purposeId: 'newsletter', render }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(gdpr.campaigns.run({ id: 'ok', purposeId: 'nope', render })).rejects.toMatchObject(
      { code: 'UNKNOWN_PURPOSE' },
    );
  });
});

describe('gdpr.campaigns.reconcile', () => {
  /** A worker that died mid-send: records left `sending` (or `ambiguous`) under old Message-IDs. */
  async function crashedWith(
    store: MemoryStore,
    at: Date,
    entries: readonly { subjectId: string; messageId: string; status: 'sending' | 'ambiguous' }[],
  ) {
    const records = entries.map(({ subjectId, messageId }) =>
      claimedDelivery(
        {
          idempotencyKey: campaignIdempotencyKey('crash', 'newsletter', subjectId),
          messageId,
          subjectId,
          campaignId: 'crash',
        },
        at,
      ),
    );
    await store.claimDeliveries(records);
    await store.startDeliveries(records, at);
    const ambiguous = records.filter((_, i) => entries[i]!.status === 'ambiguous');
    await store.updateDeliveries(
      ambiguous.map((r) => ({
        idempotencyKey: r.idempotencyKey,
        status: 'ambiguous' as const,
        retryable: false,
        attempts: 1,
        updatedAt: at,
      })),
    );
  }

  async function members(store: GdprStore) {
    const candidates = await store.listAudienceCandidates({
      purposeId: 'newsletter',
      consentRequired: true,
      limit: 100,
    });
    return candidates.filter((s) => s.email.startsWith('member'));
  }

  it('REQ-28: a run settles what a crash left unknown from the transport, then mails each consenting member exactly once', async () => {
    let now = new Date('2026-05-01T10:00:00.000Z');
    const { gdpr, store, transport } = setup(() => now);
    const { consenting } = await seed(gdpr);
    const [lost, arrived, ambiguousLost, ambiguousArrived] = await members(gdpr.store);
    // What reached the provider before the crash: kept by the transport under the old ids.
    for (const [subject, messageId] of [
      [arrived!, '<arrived@old>'],
      [ambiguousArrived!, '<ambiguous-arrived@old>'],
    ] as const) {
      await transport.send({
        from: 'news@acme.test',
        to: subject.email,
        subject: 'Spring news',
        text: 'Hello',
        messageId,
      });
    }
    await crashedWith(store, now, [
      { subjectId: lost!.id, messageId: '<lost@old>', status: 'sending' },
      { subjectId: arrived!.id, messageId: '<arrived@old>', status: 'sending' },
      { subjectId: ambiguousLost!.id, messageId: '<ambiguous-lost@old>', status: 'ambiguous' },
      {
        subjectId: ambiguousArrived!.id,
        messageId: '<ambiguous-arrived@old>',
        status: 'ambiguous',
      },
    ]);

    // Too recent: they may be live sends of another worker. Left unknown, nothing re-sent.
    now = new Date('2026-05-01T10:00:30.000Z');
    const early = await gdpr.campaigns.run({
      id: 'crash',
      purposeId: 'newsletter',
      render,
      staleSendingMs: 60_000,
    });
    expect(early).toMatchObject({ reconciled: 0, sent: 8, inFlight: 2, ambiguous: 2 });

    now = new Date('2026-05-01T10:02:00.000Z');
    const later = await gdpr.campaigns.run({
      id: 'crash',
      purposeId: 'newsletter',
      render,
      staleSendingMs: 60_000,
    });
    // The two found count as already sent; the two not found are sent again, once.
    expect(later).toMatchObject({
      reconciled: 4,
      sent: 2,
      alreadySent: 10,
      inFlight: 0,
      ambiguous: 0,
      complete: true,
    });
    const counts = perAddress(transport);
    expect([...counts.keys()].sort()).toEqual([...consenting].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const records = [];
    for await (const d of gdpr.campaigns.deliveries('crash')) records.push(d);
    expect(records).toHaveLength(12);
    expect(records.every((d) => d.status === 'accepted')).toBe(true);
    const settledArrived = records.find((d) => d.subjectId === arrived!.id)!;
    expect(settledArrived).toMatchObject({
      messageId: '<arrived@old>',
      reason: 'settled-delivered',
      providerMessageId: transport.sentTo(arrived!.email)[0]!.providerMessageId,
    });
    const entries = [];
    for await (const entry of gdpr.audit.entries()) entries.push(entry);
    const settled = entries.filter((e) => e.action === 'mail.settled');
    expect(settled.map((e) => [e.subjectRef, e.reason, e.actor]).sort()).toEqual(
      [
        [lost!.id, 'settled-not-delivered', 'system'],
        [arrived!.id, 'settled-delivered', 'system'],
        [ambiguousLost!.id, 'settled-not-delivered', 'system'],
        [ambiguousArrived!.id, 'settled-delivered', 'system'],
      ].sort(),
    );
    // Nothing left to settle: a third run sends nothing.
    const third = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(third).toMatchObject({ reconciled: 0, sent: 0, alreadySent: 12 });
  });

  it('settles only its range, leaves what the provider cannot tell, and two reconcilers settle each record once', async () => {
    let now = new Date('2026-05-01T10:00:00.000Z');
    const { gdpr, store } = setup(() => now);
    await seed(gdpr);
    const list = await members(gdpr.store);
    await crashedWith(
      store,
      now,
      list.slice(0, 6).map((s, i) => ({
        subjectId: s.id,
        messageId: `<m${i}@old>`,
        status: 'sending' as const,
      })),
    );
    now = new Date('2026-05-01T11:00:00.000Z');
    // Only (list[1], list[3]]: two records.
    const ranged = await gdpr.campaigns.reconcile({
      campaignId: 'crash',
      range: { after: list[1]!.id, until: list[3]!.id },
    });
    expect(ranged).toEqual({ checked: 2, delivered: 0, notDelivered: 2, unknown: 0 });
    const [first, second] = await Promise.all([
      gdpr.campaigns.reconcile({ campaignId: 'crash', actor: 'worker-1' }),
      gdpr.campaigns.reconcile({ campaignId: 'crash', actor: 'worker-2' }),
    ]);
    // Four records left; each settled by exactly one of the two, the other saw it move.
    expect(first!.notDelivered + second!.notDelivered).toBe(4);
    expect(first!.checked + second!.checked).toBeGreaterThanOrEqual(4);
    const entries = [];
    for await (const entry of gdpr.audit.entries()) entries.push(entry);
    const settled = entries.filter((e) => e.action === 'mail.settled').map((e) => e.subjectRef);
    expect(settled.sort()).toEqual(
      list
        .slice(0, 6)
        .map((s) => s.id)
        .sort(),
    );
  });

  it('leaves a delivery the provider cannot tell about as it is', async () => {
    let now = new Date('2026-05-01T10:00:00.000Z');
    const transport = new InMemoryTransport();
    const answers: string[] = [];
    const unsure = Object.assign(Object.create(transport) as InMemoryTransport, {
      lookup: async (queries: readonly { messageId: string }[]) =>
        queries.map((q) => {
          answers.push(q.messageId);
          return { status: 'unknown' as const };
        }),
    });
    const { gdpr, store } = setup(() => now, unsure);
    await seed(gdpr);
    const [one] = await members(gdpr.store);
    await crashedWith(store, now, [
      { subjectId: one!.id, messageId: '<x@old>', status: 'sending' },
    ]);
    now = new Date('2026-05-01T11:00:00.000Z');
    const report = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(answers).toEqual(['<x@old>']);
    expect(report).toMatchObject({ reconciled: 0, inFlight: 1, sent: 11 });
    expect(transport.sentTo(one!.email)).toHaveLength(0);
  });

  it('without a transport lookup: refused with a typed error, and runs leave unknown deliveries unknown', async () => {
    let now = new Date('2026-05-01T10:00:00.000Z');
    const transport = new InMemoryTransport({ lookup: false });
    const { gdpr, store } = setup(() => now, transport);
    await seed(gdpr);
    const [one] = await members(gdpr.store);
    await crashedWith(store, now, [
      { subjectId: one!.id, messageId: '<x@old>', status: 'sending' },
    ]);
    now = new Date('2026-05-02T10:00:00.000Z');
    await expect(gdpr.campaigns.reconcile({ campaignId: 'crash' })).rejects.toMatchObject({
      code: 'MAILER_NOT_CONFIGURED',
    });
    const report = await gdpr.campaigns.run({ id: 'crash', purposeId: 'newsletter', render });
    expect(report).toMatchObject({ reconciled: 0, inFlight: 1, sent: 11 });
    expect(transport.sentTo(one!.email)).toHaveLength(0);
    await expect(
      setup().gdpr.campaigns.reconcile({ campaignId: 'crash', olderThanMs: -1 }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('gdpr.campaigns options', () => {
  it('refuses a misspelt scan and bad durations before anything is read or sent', async () => {
    const { gdpr, transport } = setup();
    await seed(gdpr);
    const bad: Record<string, unknown>[] = [
      { scan: 'candidate' },
      { scan: 'all' },
      { staleClaimMs: Number.NaN },
      { staleClaimMs: -1 },
      { staleClaimMs: '60000' },
      { staleSendingMs: Number.POSITIVE_INFINITY },
    ];
    for (const options of bad) {
      await expect(
        gdpr.campaigns.run({ id: 'opts', purposeId: 'newsletter', render, ...options }),
        JSON.stringify(options),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const plan = gdpr.campaigns.planChunks({
      purposeId: 'newsletter',
      scan: 'everyone' as 'candidates',
    });
    await expect(plan[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(gdpr.mailer.sendMany([], { staleClaimMs: Number.NaN })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(transport.sent).toHaveLength(0);
    // The valid spellings still run.
    const report = await gdpr.campaigns.run({
      id: 'opts',
      purposeId: 'newsletter',
      render,
      scan: 'all-subjects',
      staleClaimMs: 0,
    });
    expect(report.sent).toBe(12);
  });
});

describe('gdpr.campaigns.planChunks', () => {
  it('splits the audience into disjoint id ranges whose runs together mail everyone once', async () => {
    const { gdpr, transport } = setup();
    const { consenting } = await seed(gdpr);
    const chunks = [];
    for await (const chunk of gdpr.campaigns.planChunks({ purposeId: 'newsletter', chunkSize: 5 }))
      chunks.push(chunk);
    // 14 candidates: 5 + 5 + an open tail of 4.
    expect(chunks.map((c) => c.size)).toEqual([5, 5, 4]);
    expect(chunks[0]!.range.after).toBeUndefined();
    expect(chunks.at(-1)!.range.until).toBeUndefined();
    expect(chunks[1]!.range.after).toBe(chunks[0]!.range.until);

    // Each chunk run separately (as separate workers would), in reverse order.
    const reports = [];
    for (const chunk of [...chunks].reverse()) {
      reports.push(
        await gdpr.campaigns.run({
          id: 'chunked',
          purposeId: 'newsletter',
          render,
          range: chunk.range,
          batchSize: 2,
        }),
      );
    }
    expect(reports.reduce((n, r) => n + r.scanned, 0)).toBe(14);
    const counts = perAddress(transport);
    expect([...counts.keys()].sort()).toEqual([...consenting].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('reads a chunk in pages of 2,000 by default, none past its range, and stops at its last id', async () => {
    const { gdpr, store } = setup();
    await seed(gdpr);
    const reads: { limit: number; until: string | undefined; returned: number }[] = [];
    const list = store.listAudienceCandidates.bind(store);
    store.listAudienceCandidates = async (query) => {
      const page = await list(query);
      reads.push({ limit: query.limit, until: query.untilSubjectId, returned: page.length });
      return page;
    };
    const chunks = [];
    for await (const chunk of gdpr.campaigns.planChunks({ purposeId: 'newsletter', chunkSize: 5 }))
      chunks.push(chunk);
    reads.length = 0;
    const first = await gdpr.campaigns.run({
      id: 'paged',
      purposeId: 'newsletter',
      render,
      range: chunks[0]!.range,
    });
    // One page, bounded by the range: the 9 candidates after it are not read.
    expect(reads).toEqual([{ limit: 2000, until: chunks[0]!.range.until, returned: 5 }]);
    expect(first).toMatchObject({ scanned: 5, complete: true });
    reads.length = 0;
    // A page exactly as long as the chunk: its last id ends the run, no empty page is read.
    await gdpr.campaigns.run({
      id: 'paged',
      purposeId: 'newsletter',
      render,
      range: chunks[1]!.range,
      batchSize: 5,
    });
    expect(reads).toEqual([{ limit: 5, until: chunks[1]!.range.until, returned: 5 }]);
  });

  it('plans one open chunk for an empty audience', async () => {
    const { gdpr } = setup();
    const chunks = [];
    for await (const chunk of gdpr.campaigns.planChunks({ purposeId: 'newsletter' }))
      chunks.push(chunk);
    expect(chunks).toEqual([{ index: 0, range: {}, size: 0 }]);
  });
});
