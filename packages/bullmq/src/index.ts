export { campaignJobKey, chunkJobKey, jobIdFor, sweepJobKey } from './jobs/job-ids.js';
export type { JobSegment } from './jobs/job-segment.js';
export type {
  BouncePoller,
  BouncePollSummary,
  CampaignJobData,
  CampaignJobReport,
  ChunkJobData,
  JsonValue,
  SweepJobData,
  SweepJobReport,
} from './jobs/job-types.js';
export { DEFAULT_QUEUE_NAME, GDPR_JOB_NAMES } from './jobs/job-types.js';
export type {
  EnqueueCampaignInput,
  EnqueuedCampaign,
  EnqueueSweepInput,
  GdprQueue,
  GdprQueueOptions,
} from './queue/create-gdpr-queue.js';
export { createGdprQueue } from './queue/create-gdpr-queue.js';
export type {
  CampaignJobInfo,
  GdprWorker,
  GdprWorkerOptions,
} from './worker/create-gdpr-worker.js';
export { createGdprWorker, sumChunkReports } from './worker/create-gdpr-worker.js';
