/**
 * `@gdpr-mail/core/internal`: helpers the other `@gdpr-mail/*` packages share with core
 * (stores, transports, webhooks, the job runner). Not part of the public API and not
 * covered by semver: anything here may change or go in any release. The packages are
 * released together (one version for all), so each one imports the helpers of its own
 * release. Applications and third-party packages use `@gdpr-mail/core`.
 *
 * @packageDocumentation
 */
export { appendAuditEntry } from '../audit/audit-chain.js';
export { emptyCampaignReport } from '../campaigns/campaign-report.js';
export { hashConsentEvent } from '../consent/ledger.js';
export type { CsvStreamOptions } from '../contacts/csv-stream.js';
export { csvRows } from '../contacts/csv-stream.js';
export { validateErasureJournalEntry } from '../crypto/file-erasure-journal.js';
export { textStream } from '../http/handler/text-stream.js';
export { resolveSegmentFilter } from '../segments/segment-filter.js';
export { AsyncMutex } from '../store/async-mutex.js';
export { checkProcessor } from '../transport/check-processor.js';
export type { MimeFields, MimeMailbox } from '../transport/mime-fields.js';
export { mimeFields } from '../transport/mime-fields.js';
export { abortedResult, invalidResult } from '../transport/send-result.js';
export { constantTimeEqual } from '../webhooks/constant-time.js';
export { headerValue } from '../webhooks/webhook-handler.js';
