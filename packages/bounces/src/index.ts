export type {
  MailVerdict,
  MappedRecipient,
  MappedReport,
  MappingOptions,
} from './mapping/map-report.js';
export { mapReport, reportKey } from './mapping/map-report.js';
export { verpRecipient, verpReturnPath } from './mapping/verp.js';
export type {
  BounceReader,
  MailResult,
  PollReport,
  RecipientResult,
} from './reader/bounce-reader.js';
export {
  createBounceReader,
  MALFORMED_KEYWORD,
  PROCESSED_KEYWORD,
} from './reader/bounce-reader.js';
export type {
  BounceReaderOptions,
  ImapOptions,
  SoftBounceOptions,
} from './reader/reader-options.js';
export { MAX_REPORT_BYTES, parseReport } from './report/parse-report.js';
export type {
  ParsedReport,
  RecipientOutcome,
  ReportFormat,
  ReportKind,
  ReportRecipient,
} from './report/report-types.js';
export type { RedisEval } from './soft/redis-soft-bounce-counter.js';
export { createRedisSoftBounceCounter } from './soft/redis-soft-bounce-counter.js';
export type { SoftBounceCounter } from './soft/soft-bounce-counter.js';
export { createMemorySoftBounceCounter } from './soft/soft-bounce-counter.js';
