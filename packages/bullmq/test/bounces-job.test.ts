import { createBounceReader } from '@gdpr-mail/bounces';
import { createGdprMail, type GdprMail, MemoryStore } from '@gdpr-mail/core';
import { requireService } from '@gdpr-mail/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corpusSource } from '../../bounces/test/corpus.js';
import { type Dovecot, dovecotInstalled, startDovecot } from '../../bounces/test/dovecot.js';
import { appendMail, imapOptions, withImap } from '../../bounces/test/imap-helpers.js';
import { createGdprQueue, createGdprWorker, GDPR_JOB_NAMES } from '../src/index.js';
import { campaignConfig, REDIS, renderNews } from './fixtures/campaign-config.js';
import { freshName, redisGate } from './helpers.js';

const redis = await redisGate();
const dovecotGate = await requireService('dovecot-imapd (Debian package)', dovecotInstalled);
const gate = redis.available ? dovecotGate : redis;
const connection = { ...REDIS, maxRetriesPerRequest: null };

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const suppressed = (gdpr: GdprMail, email: string) => async () =>
  (await gdpr.suppression.check(email)) !== undefined;

let dovecot: Dovecot;

gate.describe('bounce polls as a BullMQ repeatable job', () => {
  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot?.close();
  });

  it('reads the mailbox on the schedule, every time, into suppression', async () => {
    const gdpr = createGdprMail(campaignConfig(new MemoryStore()));
    const bounces = createBounceReader({ imap: imapOptions(dovecot), gdpr });
    const queueName = freshName('gm-bounces');
    const queue = createGdprQueue({ connection, gdpr, queueName });
    const worker = createGdprWorker({ connection, gdpr, queueName, render: renderNews, bounces });
    try {
      await withImap(dovecot, (client) =>
        appendMail(client, 'INBOX', corpusSource('01-rfc3464-postfix-user-unknown.eml')),
      );
      await queue.scheduleBouncePolls({ everyMs: 300 });
      await queue.scheduleBouncePolls({ everyMs: 300 });
      const schedulers = await queue.queue.getJobSchedulers();
      expect(schedulers.map((s) => s.name)).toEqual([GDPR_JOB_NAMES.bouncesPoll]);
      await until(suppressed(gdpr, 'nobody@example.org'), 'the first poll');
      // A later mail is read by a later run of the same schedule.
      await withImap(dovecot, (client) =>
        appendMail(client, 'INBOX', corpusSource('16-arf-abuse-rfc5965.eml')),
      );
      await until(suppressed(gdpr, 'complainer@isp.example'), 'a later poll');
      expect((await gdpr.suppression.check('complainer@isp.example'))?.reason).toBe('complaint');
      // The suppression lands before the job completes: wait for the record.
      await until(async () => (await queue.queue.getCompletedCount()) >= 2, 'two completed polls');
      const done = await queue.queue.getCompleted();
      expect(done.map((job) => Object.keys(job.returnvalue as object).sort())[0]).toEqual([
        'alreadySuppressed',
        'malformed',
        'read',
        'remaining',
        'softBounces',
        'suppressed',
      ]);
    } finally {
      await worker.close();
      await queue.queue.obliterate({ force: true });
      await queue.close();
      await gdpr.close();
    }
  });

  it('a worker without a bounce reader fails the job for good', async () => {
    const gdpr = createGdprMail(campaignConfig(new MemoryStore()));
    const queueName = freshName('gm-bounces');
    const queue = createGdprQueue({ connection, gdpr, queueName });
    const worker = createGdprWorker({ connection, gdpr, queueName, render: renderNews });
    try {
      await queue.queue.add(GDPR_JOB_NAMES.bouncesPoll, {}, { attempts: 3 });
      await until(async () => (await queue.queue.getFailedCount()) === 1, 'the failure');
      const [failed] = await queue.queue.getFailed();
      expect(failed!.failedReason).toContain('no bounce reader');
      expect(failed!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
      await queue.queue.obliterate({ force: true });
      await queue.close();
      await gdpr.close();
    }
  });
});
