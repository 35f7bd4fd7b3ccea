import type { SegmentFilter } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, MemoryStore } from '@gdpr-mail/core';
import { afterEach, expect, it } from 'vitest';
import { createGdprQueue, type GdprQueue } from '../src/index.js';
import { campaignConfig, REDIS } from './fixtures/campaign-config.js';
import { freshName, redisGate } from './helpers.js';

// enqueueCampaign refuses, before anything is queued, what every chunk's
// campaigns.run would refuse: a bad campaign id or segment.

const redis = await redisGate();
const evidence = { action: 'affirmative', method: 'checkbox', source: 'queue-test' } as const;

const opened: GdprQueue[] = [];
afterEach(async () => {
  for (const queue of opened.splice(0)) {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  }
});

async function setup() {
  const gdpr = createGdprMail(campaignConfig(new MemoryStore(), new InMemoryTransport()));
  for (let i = 0; i < 3; i += 1) {
    await gdpr.consent.record({ email: `m${i}@example.test`, purposes: ['newsletter'], evidence });
  }
  const queue = createGdprQueue({ connection: REDIS, gdpr, queueName: freshName('gm-enqueue') });
  opened.push(queue);
  const jobs = async () =>
    Object.values(await queue.queue.getJobCounts()).reduce((sum, n) => sum + n, 0);
  return { gdpr, queue, jobs };
}

redis.describe('enqueueCampaign validation', () => {
  it('refuses a campaign id campaigns.run would refuse, with nothing queued', async () => {
    const { gdpr, queue, jobs } = await setup();
    const render = () => ({ subject: 'x', text: 'x' });
    for (const id of ['spring 2026', 'news/2026', 'a:b', '', 'a'.repeat(129)]) {
      await expect(
        queue.enqueueCampaign({ id, purposeId: 'newsletter', chunkSize: 2 }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      // The same rule as campaigns.run's, which every chunk would have failed on.
      await expect(
        gdpr.campaigns.run({ id, purposeId: 'newsletter', render }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await jobs()).toBe(0);
    const id = `Spring_2026.v-${'a'.repeat(114)}`;
    expect(id).toHaveLength(128);
    expect(await queue.enqueueCampaign({ id, purposeId: 'newsletter' })).toMatchObject({
      alreadyQueued: false,
    });
  });

  it('refuses a batchSize campaigns.run would refuse, with nothing queued', async () => {
    const { queue, jobs } = await setup();
    for (const batchSize of [0, -5, 2.5]) {
      await expect(
        queue.enqueueCampaign({ id: 'pages', purposeId: 'newsletter', batchSize }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await jobs()).toBe(0);
  });

  it("does not take another campaign's chunk job for its own parent", async () => {
    const { queue } = await setup();
    // One open chunk: its key is campaign:spring:chunk:^:$.
    await queue.enqueueCampaign({ id: 'spring', purposeId: 'newsletter', chunkSize: 10 });
    await expect(
      queue.enqueueCampaign({ id: 'spring:chunk:^:$', purposeId: 'newsletter' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a segment a SQL store could not run (an instant before year 1), with nothing queued', async () => {
    const { queue, jobs } = await setup();
    for (const segment of [
      { consentedWithin: 'P10000Y' },
      { segment: 'a\u0000b' },
    ] as SegmentFilter[]) {
      await expect(
        queue.enqueueCampaign({ id: 'far', purposeId: 'newsletter', segment }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await jobs()).toBe(0);
  });
});
