import type { CampaignRange, CampaignReport, CampaignScan, SweepReport } from '@gdpr-mail/core';
import type { JobSegment } from './job-segment.js';

/** The job names on a gdpr-mail queue. */
export const GDPR_JOB_NAMES = {
  /** Parent of a campaign's chunks; runs once they are all done and sums their reports. */
  campaign: 'gdpr.campaign',
  chunk: 'gdpr.campaign.chunk',
  retentionSweep: 'gdpr.retention.sweep',
  /** One read of the bounce mailbox (`@gdpr-mail/bounces`), on a schedule. */
  bouncesPoll: 'gdpr.bounces.poll',
} as const;

export const DEFAULT_QUEUE_NAME = 'gdpr-mail';

/** JSON the app passes to its `render` through the queue (template name, locale, …). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

export interface CampaignJobData {
  campaignId: string;
  purposeId: string;
  batchSize?: number;
  scan?: CampaignScan;
  /** The campaign's segment, fixed at enqueue: every chunk selects with the same one. */
  segment?: JobSegment;
  data?: JsonValue;
}

export interface ChunkJobData extends CampaignJobData {
  chunkIndex: number;
  range: CampaignRange;
}

export interface SweepJobData {
  sweepId: string;
  batchSize?: number;
}

/** A finished campaign: the sum of its chunks' reports. */
export interface CampaignJobReport extends Omit<CampaignReport, 'cursor'> {
  chunks: number;
  /** Chunks that failed for good (their error is in the failed child job). */
  failedChunks: number;
}

/** A retention sweep report as it travels through Redis (dates as ISO strings). */
export interface SweepJobReport extends Omit<SweepReport, 'now'> {
  sweepId: string;
  now: string;
}

/** What a bounce poll reports: counts only, no addresses (it is kept in Redis). */
export interface BouncePollSummary {
  read: number;
  remaining: number;
  suppressed: number;
  alreadySuppressed: number;
  softBounces: number;
  malformed: number;
}

/** What the bounce-poll job runs: a reader of `@gdpr-mail/bounces` (`createBounceReader`). */
export interface BouncePoller {
  poll(): Promise<BouncePollSummary>;
}
