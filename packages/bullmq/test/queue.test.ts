import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, MemoryStore } from '@gdpr-mail/core';
import { afterEach, expect, it } from 'vitest';
import {
  createGdprQueue,
  createGdprWorker,
  type GdprQueue,
  type GdprWorker,
} from '../src/index.js';
import { campaignConfig, REDIS, renderNews } from './fixtures/campaign-config.js';
import { freshName, redisGate } from './helpers.js';

const redis = await redisGate();
const connection = { ...REDIS, maxRetriesPerRequest: null };
const evidence = { action: 'affirmative', method: 'checkbox', source: 'queue-test' } as const;

async function setup(options: { clock?: () => Date } = {}) {
  const store = new MemoryStore();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail({
    ...campaignConfig(store, transport),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const emails = Array.from({ length: 30 }, (_, i) => `m${i}@example.test`);
  for (const email of emails) {
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence });
  }
  await gdpr.suppression.add('m0@example.test', 'complaint');
  return { gdpr, store, transport, emails, queueName: freshName('gm-queue') };
}

const opened: { queue?: GdprQueue; worker?: GdprWorker }[] = [];
function open(
  gdpr: GdprMail,
  queueName: string,
  workerOptions: Partial<Parameters<typeof createGdprWorker>[0]> = {},
) {
  const queue = createGdprQueue({
    connection,
    gdpr,
    queueName,
    backoff: { type: 'fixed', delay: 50 },
  });
  const worker = createGdprWorker({
    connection,
    gdpr,
    queueName,
    render: renderNews,
    concurrency: 2,
    ...workerOptions,
  });
  opened.push({ queue, worker });
  return { queue, worker };
}

afterEach(async () => {
  for (const { queue, worker } of opened.splice(0)) {
    await worker?.close();
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
  }
});

redis.describe('@gdpr-mail/bullmq queue and worker', () => {
  it('plans a campaign once when two queues enqueue it at the same moment', async () => {
    const { gdpr, transport, queueName } = await setup();
    // Two app instances, each with its own queue, enqueuing at start-up.
    const { queue: one } = open(gdpr, queueName);
    const two = createGdprQueue({ connection, gdpr, queueName });
    opened.push({ queue: two });
    const input = { id: 'at-once', purposeId: 'newsletter', chunkSize: 8 };
    const answers = await Promise.all([
      one.enqueueCampaign(input),
      two.enqueueCampaign(input),
      one.enqueueCampaign(input),
    ]);
    expect(answers.filter((a) => !a.alreadyQueued)).toHaveLength(1);
    expect(answers.reduce((sum, a) => sum + a.chunks, 0)).toBe(4);
    const report = await one.waitForCampaign('at-once', { timeoutMs: 20_000, pollMs: 50 });
    expect(report).toMatchObject({ chunks: 4, scanned: 30, sent: 29, alreadySent: 0 });
    expect(transport.sent).toHaveLength(29);
    // The lock is gone once the plan is queued.
    const keys = await (await one.queue.getBackend().client).runCommand('keys', [
      one.queue.toKey('gdpr-enqueue-lock:*'),
    ]);
    expect(keys).toEqual([]);
  });

  it('runs a campaign as chunk jobs, reports the sum, and ignores a second enqueue', async () => {
    const { gdpr, transport, queueName } = await setup();
    const { queue } = open(gdpr, queueName);
    const first = await queue.enqueueCampaign({
      id: 'winter',
      purposeId: 'newsletter',
      chunkSize: 8,
      batchSize: 3,
    });
    expect(first).toMatchObject({ chunks: 4, alreadyQueued: false });
    expect(
      (await queue.enqueueCampaign({ id: 'winter', purposeId: 'newsletter' })).alreadyQueued,
    ).toBe(true);
    const report = await queue.waitForCampaign('winter', { timeoutMs: 20_000, pollMs: 50 });
    expect(report).toMatchObject({
      campaignId: 'winter',
      chunks: 4,
      failedChunks: 0,
      scanned: 30,
      sent: 29,
      denied: 1,
      deniedByReason: { suppressed: 1 },
      complete: true,
    });
    expect(transport.sent).toHaveLength(29);
    expect(new Set(transport.sent.map((s) => s.message.to.address)).size).toBe(29);
  });

  it("SEED-03: a campaign with a segment mails exactly the segment's consenting members, the segment fixed at enqueue", async () => {
    const DAY = 86_400_000;
    const enqueuedAt = new Date('2026-06-01T00:00:00.000Z');
    let now = new Date(enqueuedAt.getTime() - 400 * DAY);
    const store = new MemoryStore();
    const transport = new InMemoryTransport();
    const base = campaignConfig(store, transport);
    const config = {
      ...base,
      purposes: [
        ...base.purposes,
        {
          id: 'white-paper',
          title: 'White paper download',
          lawfulBasis: 'consent' as const,
          notice: {
            version: '1.0',
            text: 'Acme SAS mails you the white paper you asked for. You can withdraw your consent at any time.',
          },
          retention: { duration: 'P1Y', anchor: 'collected' as const, action: 'delete' as const },
        },
      ],
    };
    const seeder = createGdprMail({ ...config, clock: () => now });
    // A signup form with one box per use (SEED-03): each person ticked their own.
    const join = async (
      email: string,
      ticked: { newsletter: boolean; 'white-paper': boolean },
      lists: string[],
    ) => {
      const { subjectId } = await seeder.consent.choices({ email, choices: ticked, evidence });
      await store.setSubjectSegments(subjectId!, { segments: lists }, now);
    };
    const both = { newsletter: true, 'white-paper': true };
    const newsletterOnly = { newsletter: true, 'white-paper': false };
    const paperOnly = { newsletter: false, 'white-paper': true };
    await join('salon-ancient@example.test', newsletterOnly, ['salon-2018']); // 400 days before
    now = new Date(enqueuedAt.getTime() - 300 * DAY);
    await join('salon-early@example.test', newsletterOnly, ['salon-2018']); // 300 days before
    now = new Date(enqueuedAt.getTime() - 10 * DAY);
    await join('salon@example.test', both, ['salon-2018']);
    await join('salon-webinar@example.test', newsletterOnly, ['salon-2018', 'webinar-2024']);
    await join('salon-paper@example.test', paperOnly, ['salon-2018']);
    await join('salon-left@example.test', newsletterOnly, ['salon-2018']);
    await seeder.consent.withdraw({
      email: 'salon-left@example.test',
      purposes: ['newsletter'],
      evidence: { source: 'preference-center' },
    });
    await join('webinar@example.test', both, ['webinar-2024']);

    // The queue plans at `enqueuedAt`; the workers run 200 days later by their own clock:
    // resolved there, `consentedWithin: 'P1Y'` would leave out salon-early.
    const queueName = freshName('gm-queue');
    const queue = createGdprQueue({
      connection,
      gdpr: createGdprMail({ ...config, clock: () => enqueuedAt }),
      queueName,
    });
    const worker = createGdprWorker({
      connection,
      gdpr: createGdprMail({ ...config, clock: () => new Date(enqueuedAt.getTime() + 200 * DAY) }),
      queueName,
      render: renderNews,
      concurrency: 2,
    });
    opened.push({ queue, worker });
    const enqueued = await queue.enqueueCampaign({
      id: 'salon-recall',
      purposeId: 'newsletter',
      segment: { all: [{ segment: 'salon-2018' }, { consentedWithin: 'P1Y' }] },
      chunkSize: 1,
      batchSize: 1,
    });
    // One chunk per member the segment keeps, plus the open-ended tail.
    expect(enqueued).toMatchObject({ chunks: 4, alreadyQueued: false });
    const parent = await queue.queue.getJob(enqueued.jobId);
    expect(parent?.data.segment).toEqual({
      all: [
        { segment: { in: ['salon-2018'] } },
        { consentedSince: new Date(enqueuedAt.getTime() - 365 * DAY).toISOString() },
      ],
    });
    const report = await queue.waitForCampaign('salon-recall', { timeoutMs: 20_000, pollMs: 50 });
    expect(report).toMatchObject({ sent: 3, denied: 0, failed: 0, complete: true });
    const mailed = transport.sent.map((s) => s.message.to.address).sort();
    expect(mailed).toEqual([
      'salon-early@example.test',
      'salon-webinar@example.test',
      'salon@example.test',
    ]);
  });

  it('retries a chunk whose messages failed transiently, with backoff, and sends each once', async () => {
    const { gdpr, transport, queueName } = await setup();
    transport.failFor('m5@example.test', 'transient', { times: 2 });
    const { queue } = open(gdpr, queueName);
    await queue.enqueueCampaign({ id: 'retry', purposeId: 'newsletter', chunkSize: 100 });
    const report = await queue.waitForCampaign('retry', { timeoutMs: 20_000, pollMs: 50 });
    // The mailer tries twice per run (config), the queue runs the chunk again.
    expect(transport.attempts.get('m5@example.test')).toBe(3);
    expect(transport.sentTo('m5@example.test')).toHaveLength(1);
    expect(transport.sent).toHaveLength(29);
    expect(report).toMatchObject({ sent: 1, alreadySent: 28, failed: 0, complete: true });
  });

  it('SEED-05: runs a retention sweep as a job, once per id', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const { gdpr, store, queueName } = await setup({ clock: () => now });
    // Collected in 2026, kept three years: all due in 2035.
    now = new Date('2035-01-01T00:00:00.000Z');
    const { queue } = open(gdpr, queueName);
    await queue.enqueueRetentionSweep({ id: '2035-01-01', batchSize: 7 });
    await queue.enqueueRetentionSweep({ id: '2035-01-01' });
    let report = await queue.sweepReport('2035-01-01');
    for (let i = 0; !report && i < 200; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      report = await queue.sweepReport('2035-01-01');
    }
    expect(report).toMatchObject({ sweepId: '2035-01-01', deleted: 30, batches: 5 });
    expect(await store.listSubjects({ limit: 10 })).toEqual([]);
    expect(await queue.queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });

  it('close() lets the active job finish and takes no new one', async () => {
    const { gdpr, transport, queueName } = await setup();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inRender = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { queue, worker } = open(gdpr, queueName, {
      concurrency: 1,
      render: async (member, campaign) => {
        entered();
        await gate;
        return renderNews(member, campaign);
      },
    });
    await queue.enqueueCampaign({ id: 'slow', purposeId: 'newsletter', chunkSize: 100 });
    await inRender;
    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    release();
    await closing;
    // The chunk finished; the parent campaign job was not taken after close.
    expect(transport.sent).toHaveLength(29);
    expect(await queue.campaignReport('slow')).toBeUndefined();
    expect(await queue.queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });
});
