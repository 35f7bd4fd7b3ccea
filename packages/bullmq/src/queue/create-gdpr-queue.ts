import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CampaignScan, GdprMail, SegmentFilter } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import type { ConnectionOptions, FlowJob, JobsOptions } from 'bullmq';
import { FlowProducer, Queue } from 'bullmq';
import { campaignJobKey, chunkJobKey, jobIdFor, sweepJobKey } from '../jobs/job-ids.js';
import { fixSegment, segmentFilterOf } from '../jobs/job-segment.js';
import type {
  CampaignJobData,
  CampaignJobReport,
  ChunkJobData,
  JsonValue,
  SweepJobData,
  SweepJobReport,
} from '../jobs/job-types.js';
import { DEFAULT_QUEUE_NAME, GDPR_JOB_NAMES } from '../jobs/job-types.js';

type FlowChild = NonNullable<Extract<FlowJob, { children: unknown[] }>['children']>[number];

export interface GdprQueueOptions {
  /** Redis: `{ host, port }`, a URL, or an ioredis instance (see BullMQ's `connection`). */
  connection: ConnectionOptions;
  /** Plans campaigns into chunks (reads the audience from its store). */
  gdpr: GdprMail;
  /** Default `gdpr-mail`; workers must use the same. */
  queueName?: string;
  /** Redis key prefix (BullMQ's `prefix`). */
  prefix?: string;
  /**
   * Per chunk job: attempts and backoff for transient failures. Default 5
   * attempts, exponential backoff from 2 s.
   */
  attempts?: number;
  backoff?: JobsOptions['backoff'];
  /**
   * How long finished jobs are kept, in seconds (default 7 days). While kept,
   * enqueueing the same campaign or sweep again is a no-op; after that a new
   * run still mails nobody twice (the idempotency keys live in the store).
   */
  keepFinishedForSeconds?: number;
}

export interface EnqueueCampaignInput {
  /**
   * As in `campaigns.run`: 1 to 128 letters, digits, `.`, `_`, `-`. Refused
   * (VALIDATION_FAILED) before anything is queued, as a bad `batchSize` or
   * `segment` is.
   */
  id: string;
  purposeId: string;
  /** Recipients per chunk job (default 1,000): the unit a worker takes. */
  chunkSize?: number;
  /**
   * Recipients per page inside a chunk (`CampaignRunInput.batchSize`; default
   * 2,000, or 10 × the worker's `mailer.batchSize` when that is more).
   */
  batchSize?: number;
  scan?: CampaignScan;
  /**
   * Only the people in this segment (see `CampaignRunInput.segment`). Fixed
   * when the campaign is enqueued: durations (`consentedWithin: 'P24M'`) count
   * back from now (the SDK's clock) and travel as instants in every chunk job,
   * so each worker selects the same people the plan counted, whenever it runs.
   */
  segment?: SegmentFilter;
  /** Handed to the worker's `render` (template name, locale, …). */
  data?: JsonValue;
}

export interface EnqueuedCampaign {
  /** The parent job; its return value is the campaign's report. */
  jobId: string;
  /** Chunk jobs added (0 when the campaign was already queued). */
  chunks: number;
  alreadyQueued: boolean;
}

export interface EnqueueSweepInput {
  /** One sweep per id, e.g. the date: `2026-12-04`. */
  id: string;
  batchSize?: number;
}

export interface GdprQueue {
  readonly queue: Queue;
  readonly name: string;
  enqueueCampaign(input: EnqueueCampaignInput): Promise<EnqueuedCampaign>;
  enqueueRetentionSweep(input: EnqueueSweepInput): Promise<{ jobId: string }>;
  /** A sweep on a cron pattern or every N ms, by BullMQ's job scheduler (one per queue). */
  scheduleRetentionSweeps(
    schedule: { pattern: string } | { everyMs: number },
    options?: { batchSize?: number },
  ): Promise<void>;
  /**
   * A read of the bounce mailbox on a cron pattern or every N ms (one scheduler
   * per queue); the workers need `bounces` (a reader of `@gdpr-mail/bounces`).
   */
  scheduleBouncePolls(schedule: { pattern: string } | { everyMs: number }): Promise<void>;
  /** The campaign's report once all its chunks are done; undefined before. */
  campaignReport(campaignId: string): Promise<CampaignJobReport | undefined>;
  /** Polls until the campaign is done; throws PROVIDER_UNAVAILABLE after `timeoutMs`. */
  waitForCampaign(
    campaignId: string,
    options?: { timeoutMs?: number; pollMs?: number },
  ): Promise<CampaignJobReport>;
  sweepReport(sweepId: string): Promise<SweepJobReport | undefined>;
  close(): Promise<void>;
}

const RETENTION_SCHEDULER = 'gdpr-retention-sweeps';
/**
 * How long one enqueue may hold a campaign's planning lock: longer than planning a
 * million recipients takes (about 20 s), short enough that a process that died while
 * holding it does not stop the campaign being enqueued for long.
 */
const ENQUEUE_LOCK_MS = 5 * 60_000;
const ENQUEUE_LOCK_POLL_MS = 100;
/** Deletes the lock only if it is still the caller's (it may have expired and been taken). */
const RELEASE_LOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
/** The campaign ids `campaigns.run` accepts (core's campaign-service). */
const CAMPAIGN_ID = /^[A-Za-z0-9._-]{1,128}$/;
export const BOUNCES_SCHEDULER = 'gdpr-bounce-polls';

export function createGdprQueue(options: GdprQueueOptions): GdprQueue {
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const base = {
    connection: options.connection,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  };
  const keep = options.keepFinishedForSeconds ?? 7 * 24 * 3600;
  const finished = {
    removeOnComplete: { age: keep },
    removeOnFail: { age: keep },
  } satisfies JobsOptions;
  const retries = {
    attempts: options.attempts ?? 5,
    backoff: options.backoff ?? { type: 'exponential', delay: 2000 },
  } satisfies JobsOptions;
  const queue = new Queue(name, base);
  let flow: FlowProducer | undefined;

  async function enqueueCampaign(input: EnqueueCampaignInput): Promise<EnqueuedCampaign> {
    // campaigns.run would refuse it in every chunk; and a `:` in the id could name
    // another campaign's chunk job (`campaign:<id>:chunk:…`).
    if (typeof input.id !== 'string' || !CAMPAIGN_ID.test(input.id)) {
      throw new GdprMailError(
        'VALIDATION_FAILED',
        'A campaign id is 1 to 128 letters, digits, dots, underscores or dashes.',
        { details: { id: typeof input.id === 'string' ? input.id : null } },
      );
    }
    if (
      input.batchSize !== undefined &&
      (!Number.isInteger(input.batchSize) || input.batchSize < 1)
    ) {
      throw new GdprMailError('VALIDATION_FAILED', 'batchSize must be a positive integer.', {
        details: { batchSize: input.batchSize },
      });
    }
    const jobId = jobIdFor(campaignJobKey(input.id));
    const queued = { jobId, chunks: 0, alreadyQueued: true };
    if (await queue.getJob(jobId)) return queued;
    // Two enqueues of one campaign at once (every app instance enqueues at start-up, a
    // double click) would both plan and both add chunks: one plans, the other waits for it.
    const client = await queue.getBackend().client;
    const lockKey = queue.toKey(`gdpr-enqueue-lock:${input.id}`);
    const token = randomUUID();
    while (
      (await client.runCommand('set', [lockKey, token, 'NX', 'PX', ENQUEUE_LOCK_MS])) !== 'OK'
    ) {
      await sleep(ENQUEUE_LOCK_POLL_MS);
      if (await queue.getJob(jobId)) return queued;
    }
    try {
      if (await queue.getJob(jobId)) return queued;
      return await planAndAdd(input, jobId);
    } finally {
      await client.runCommand('eval', [RELEASE_LOCK, 1, lockKey, token]);
    }
  }

  async function planAndAdd(input: EnqueueCampaignInput, jobId: string): Promise<EnqueuedCampaign> {
    const now = options.gdpr.config.clock?.() ?? new Date();
    const segment = input.segment === undefined ? undefined : fixSegment(input.segment, now);
    const data: CampaignJobData = {
      campaignId: input.id,
      purposeId: input.purposeId,
      ...(input.batchSize === undefined ? {} : { batchSize: input.batchSize }),
      ...(input.scan === undefined ? {} : { scan: input.scan }),
      ...(segment === undefined ? {} : { segment }),
      ...(input.data === undefined ? {} : { data: input.data }),
    };
    const children: FlowChild[] = [];
    for await (const chunk of options.gdpr.campaigns.planChunks({
      purposeId: input.purposeId,
      chunkSize: input.chunkSize ?? 1000,
      ...(input.scan === undefined ? {} : { scan: input.scan }),
      // The same fixed segment the chunks carry, so the plan and the sends agree.
      ...(segment === undefined ? {} : { segment: segmentFilterOf(segment) }),
    })) {
      const chunkData: ChunkJobData = { ...data, chunkIndex: chunk.index, range: chunk.range };
      children.push({
        name: GDPR_JOB_NAMES.chunk,
        queueName: name,
        data: chunkData,
        opts: {
          jobId: jobIdFor(chunkJobKey(input.id, chunk.range)),
          ...retries,
          ...finished,
          // A chunk that fails for good still lets the campaign report.
          ignoreDependencyOnFailure: true,
        },
      });
    }
    flow ??= new FlowProducer(base);
    // Parent and chunks in one atomic write: a crash here leaves none or all.
    await flow.add({
      name: GDPR_JOB_NAMES.campaign,
      queueName: name,
      data,
      opts: { jobId, ...finished, attempts: retries.attempts, backoff: retries.backoff },
      children,
    });
    return { jobId, chunks: children.length, alreadyQueued: false };
  }

  async function campaignReport(campaignId: string): Promise<CampaignJobReport | undefined> {
    const job = await queue.getJob(jobIdFor(campaignJobKey(campaignId)));
    if (!job || !(await job.isCompleted())) return undefined;
    return job.returnvalue as CampaignJobReport;
  }

  return {
    queue,
    name,
    enqueueCampaign,
    async enqueueRetentionSweep(input) {
      const jobId = jobIdFor(sweepJobKey(input.id));
      const data: SweepJobData = {
        sweepId: input.id,
        ...(input.batchSize === undefined ? {} : { batchSize: input.batchSize }),
      };
      await queue.add(GDPR_JOB_NAMES.retentionSweep, data, { jobId, ...retries, ...finished });
      return { jobId };
    },
    async scheduleRetentionSweeps(schedule, scheduleOptions = {}) {
      const data: SweepJobData = {
        sweepId: 'scheduled',
        ...(scheduleOptions.batchSize === undefined
          ? {}
          : { batchSize: scheduleOptions.batchSize }),
      };
      await queue.upsertJobScheduler(
        RETENTION_SCHEDULER,
        'pattern' in schedule ? { pattern: schedule.pattern } : { every: schedule.everyMs },
        { name: GDPR_JOB_NAMES.retentionSweep, data, opts: { ...retries, ...finished } },
      );
    },
    async scheduleBouncePolls(schedule) {
      // No retries: the next scheduled poll reads what this one left.
      await queue.upsertJobScheduler(
        BOUNCES_SCHEDULER,
        'pattern' in schedule ? { pattern: schedule.pattern } : { every: schedule.everyMs },
        { name: GDPR_JOB_NAMES.bouncesPoll, data: {}, opts: { ...finished } },
      );
    },
    campaignReport,
    async waitForCampaign(campaignId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 10 * 60_000);
      const pollMs = waitOptions.pollMs ?? 250;
      for (;;) {
        const report = await campaignReport(campaignId);
        if (report) return report;
        if (Date.now() > deadline) {
          throw new GdprMailError(
            'PROVIDER_UNAVAILABLE',
            `Campaign ${campaignId} did not finish in time.`,
            { retryable: true },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    async sweepReport(sweepId) {
      const job = await queue.getJob(jobIdFor(sweepJobKey(sweepId)));
      if (!job || !(await job.isCompleted())) return undefined;
      return job.returnvalue as SweepJobReport;
    },
    async close() {
      await flow?.close();
      await queue.close();
    },
  };
}
