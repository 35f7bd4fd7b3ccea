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
