import type { CampaignContent, CampaignMember, CampaignReport, GdprMail } from '@gdpr-mail/core';
import { GdprMailError, isGdprMailError } from '@gdpr-mail/core';
import { emptyCampaignReport } from '@gdpr-mail/core/internal';
import type { ConnectionOptions, Job, WorkerOptions } from 'bullmq';
import { UnrecoverableError, Worker } from 'bullmq';
import { segmentFilterOf } from '../jobs/job-segment.js';
import type {
  BouncePoller,
  BouncePollSummary,
  CampaignJobData,
  CampaignJobReport,
  ChunkJobData,
  JsonValue,
  SweepJobData,
  SweepJobReport,
} from '../jobs/job-types.js';
import { DEFAULT_QUEUE_NAME, GDPR_JOB_NAMES } from '../jobs/job-types.js';

/** What `render` and `filter` know about the campaign a member is mailed for. */
export interface CampaignJobInfo {
  id: string;
  purposeId: string;
  data: JsonValue | undefined;
}

export interface GdprWorkerOptions {
  connection: ConnectionOptions;
  gdpr: GdprMail;
  /** The campaign's content for one member; runs in the worker process. */
  render(
    member: CampaignMember,
    campaign: CampaignJobInfo,
  ): CampaignContent | Promise<CampaignContent>;
  /** An app-side segment (see `CampaignRunInput.filter`). */
  filter?(member: CampaignMember, campaign: CampaignJobInfo): boolean | Promise<boolean>;
  queueName?: string;
  prefix?: string;
  /** Jobs this process runs at once (default 1). */
  concurrency?: number;
  /** See `CampaignRunInput.staleClaimMs` (default 60 s). */
  staleClaimMs?: number;
  /** See `CampaignRunInput.staleSendingMs` (default 15 min; used where the transport has `lookup`). */
  staleSendingMs?: number;
  /** Passed to BullMQ's Worker (lockDuration, stalledInterval, maxStalledCount, limiter, …). */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'concurrency' | 'prefix' | 'autorun'>>;
  onChunkProgress?(report: CampaignReport, job: Job): void;
  /** The bounce mailbox reader that `gdpr.bounces.poll` jobs run (`createBounceReader` of `@gdpr-mail/bounces`). */
  bounces?: BouncePoller;
  /** Worker-level errors (a lost Redis connection); BullMQ reconnects by itself. */
  onError?(error: Error): void;
}

export interface GdprWorker {
  readonly worker: Worker;
  /** Stops taking jobs and waits for the active ones to finish. */
  close(): Promise<void>;
}

function emptyTotals(data: CampaignJobData): CampaignJobReport {
  // A sum over chunks starts complete and turns incomplete with the first incomplete chunk.
  return {
    ...emptyCampaignReport(data.campaignId, data.purposeId),
    complete: true,
    chunks: 0,
    failedChunks: 0,
  };
}

const SUMMED = [
  'scanned',
  'filteredOut',
  'sent',
  'alreadySent',
  'failed',
  'retryableFailed',
  'ambiguous',
  'inFlight',
  'invalid',
  'reconciled',
  'denied',
  'batches',
] as const;

export function sumChunkReports(
  data: CampaignJobData,
  chunks: readonly CampaignReport[],
  failedChunks: number,
): CampaignJobReport {
  const total = emptyTotals(data);
  for (const chunk of chunks) {
    for (const key of SUMMED) total[key] += chunk[key];
    for (const [reason, n] of Object.entries(chunk.deniedByReason)) {
      const key = reason as keyof CampaignReport['deniedByReason'];
      total.deniedByReason[key] = (total.deniedByReason[key] ?? 0) + (n ?? 0);
    }
    total.complete &&= chunk.complete;
  }
  total.chunks = chunks.length + failedChunks;
  total.failedChunks = failedChunks;
  total.complete &&= failedChunks === 0;
  return total;
}

/** A code such as `ECONNREFUSED` or `EENVELOPE`: kept, it names no one. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * What BullMQ keeps in Redis of an error that is not the SDK's: its kind, never its text.
 * BullMQ writes a failed job's `message` and `stack` to Redis (failedReason, stacktrace,
 * the events stream) and keeps them for `keepFinishedForSeconds`; an app's `render` or a
 * transport's own error can quote the recipient, and an erasure cannot reach Redis
 * (REQ-34). The original stays on `cause`, for the worker's `failed` listeners in this
 * process.
 */
function withoutText(error: unknown): Error {
  const name = error instanceof Error ? error.name : typeof error;
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' && ERROR_CODE.test(raw) ? ` (${raw})` : '';
  const message = `${ERROR_CODE.test(name) ? name : 'Error'}${code} in a gdpr-mail job; its message is not kept in Redis as it may name a recipient.`;
  // An app's UnrecoverableError still fails the job at once.
  return error instanceof UnrecoverableError
    ? Object.assign(new UnrecoverableError(message), { cause: error })
    : new Error(message, { cause: error });
}

/**
 * Typed errors that a retry cannot fix fail the job at once. The SDK's own messages
 * name no person; any other error goes to Redis without its text.
 */
function rethrow(error: unknown): never {
  if (!isGdprMailError(error)) throw withoutText(error);
  if (!error.retryable && error.code !== 'STORE_FAILURE') {
    throw new UnrecoverableError(`${error.code}: ${error.message}`);
  }
  throw error;
}

export function createGdprWorker(options: GdprWorkerOptions): GdprWorker {
  const { gdpr } = options;

  async function runChunk(job: Job<ChunkJobData>): Promise<CampaignReport> {
    const data = job.data;
    const info: CampaignJobInfo = {
      id: data.campaignId,
      purposeId: data.purposeId,
      data: data.data,
    };
    const { filter } = options;
    const report = await gdpr.campaigns.run({
      id: data.campaignId,
      purposeId: data.purposeId,
      range: data.range,
      render: (member) => options.render(member, info),
      ...(filter ? { filter: (member: CampaignMember) => filter(member, info) } : {}),
      ...(data.batchSize === undefined ? {} : { batchSize: data.batchSize }),
      ...(data.scan === undefined ? {} : { scan: data.scan }),
      ...(data.segment === undefined ? {} : { segment: segmentFilterOf(data.segment) }),
      ...(options.staleClaimMs === undefined ? {} : { staleClaimMs: options.staleClaimMs }),
      ...(options.staleSendingMs === undefined ? {} : { staleSendingMs: options.staleSendingMs }),
      onProgress: (progress) => {
        options.onChunkProgress?.(progress, job);
        void job.updateProgress({ sent: progress.sent, scanned: progress.scanned }).catch(() => {});
      },
    });
    const attempts = job.opts.attempts ?? 1;
    if (report.retryableFailed > 0 && job.attemptsMade + 1 < attempts) {
      // Transient failures: BullMQ retries the chunk after its backoff; what
      // was accepted is skipped then, only the failures are claimed again.
      throw new GdprMailError(
        'PROVIDER_UNAVAILABLE',
        `${report.retryableFailed} messages of chunk ${data.chunkIndex} failed transiently.`,
        { retryable: true },
      );
    }
    return report;
  }

  async function runCampaign(job: Job<CampaignJobData>): Promise<CampaignJobReport> {
    const values = await job.getChildrenValues<CampaignReport>();
    const failures = await job.getIgnoredChildrenFailures();
    return sumChunkReports(job.data, Object.values(values), Object.keys(failures).length);
  }

  async function runSweep(job: Job<SweepJobData>): Promise<SweepJobReport> {
    const report = await gdpr.retention.sweep(
      job.data.batchSize === undefined ? {} : { batchSize: job.data.batchSize },
    );
    return { ...report, sweepId: job.data.sweepId, now: report.now.toISOString() };
  }

  async function runBouncePoll(bounces: BouncePoller): Promise<BouncePollSummary> {
    const { read, remaining, suppressed, alreadySuppressed, softBounces, malformed } =
      await bounces.poll();
    return { read, remaining, suppressed, alreadySuppressed, softBounces, malformed };
  }

  /** The job's work; the refusals here are the worker's own (fixed texts, kept as they are). */
  function workOf(job: Job): () => Promise<unknown> {
    switch (job.name) {
      case GDPR_JOB_NAMES.chunk:
        return () => runChunk(job as Job<ChunkJobData>);
      case GDPR_JOB_NAMES.campaign:
        return () => runCampaign(job as Job<CampaignJobData>);
      case GDPR_JOB_NAMES.retentionSweep:
        return () => runSweep(job as Job<SweepJobData>);
      case GDPR_JOB_NAMES.bouncesPoll: {
        const { bounces } = options;
        if (!bounces) {
          throw new UnrecoverableError('This worker has no bounce reader (`bounces` option).');
        }
        return () => runBouncePoll(bounces);
      }
      default:
        throw new UnrecoverableError(`Unknown gdpr-mail job "${job.name}".`);
    }
  }

  const worker = new Worker(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    async (job: Job) => {
      const work = workOf(job);
      try {
        return await work();
      } catch (error) {
        rethrow(error);
      }
    },
    {
      maxStalledCount: 10,
      ...options.workerOptions,
      connection: options.connection,
      concurrency: options.concurrency ?? 1,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    },
  );
  // Without a listener, an 'error' event would crash the process.
  worker.on('error', (error: Error) => options.onError?.(error));

  return {
    worker,
    close: () => worker.close(),
  };
}
