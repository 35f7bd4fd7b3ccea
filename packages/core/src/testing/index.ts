export { holdsPersonalData, logRedactions } from '../observability/logger.js';
export { runAudienceConformance } from './conformance/audience.js';
export { runAuditConformance } from './conformance/audit.js';
export { runConsentConformance } from './conformance/consent.js';
export { runDeliveryConformance } from './conformance/deliveries.js';
export { runDocumentConformance } from './conformance/documents.js';
export { runDsarConformance } from './conformance/dsar.js';
export { runOutboxConformance } from './conformance/outbox.js';
export { runSegmentConformance, segmentAudienceIds } from './conformance/segments.js';
export { runSubjectConformance } from './conformance/subjects.js';
export { runSuppressionConformance } from './conformance/suppression.js';
export { runTransactionConformance } from './conformance/transactions.js';
export type {
  ContactListsSpec,
  GeneratedList,
  GeneratedLists,
  GeneratedRow,
  ReferenceOutcome,
} from './contact-lists.js';
export {
  csvChunks,
  generateContactLists,
  LANGUAGE_SPELLINGS,
  outcomeOf,
  ReferenceImport,
  seededRandom,
} from './contact-lists.js';
export type { ErasureJournalConformanceOptions } from './erasure-journal-conformance.js';
export { runErasureJournalConformance } from './erasure-journal-conformance.js';
export { checkboxEvidence, claimedDelivery, testConfig } from './fixtures.js';
export type { HttpConformanceApp, HttpConformanceOptions } from './http-conformance.js';
export { runHttpConformance } from './http-conformance.js';
export type { CapturedLogLine } from './log-capture.js';
export { capturedLogLines, testLogger } from './log-capture.js';
export type { ServiceGate } from './require-service.js';
export { REQUIRE_SERVICES_ENV, requireService } from './require-service.js';
export type {
  AuditTamper,
  StoreCapabilities,
  StoreCapability,
  StoreConformanceOptions,
  StoreFactory,
} from './store-conformance.js';
export { runStoreConformance } from './store-conformance.js';
export type { TestClock } from './test-clock.js';
export { createTestClock } from './test-clock.js';
export type { ReceivedMessage, TransportConformanceOptions } from './transport-conformance.js';
export { runTransportConformance } from './transport-conformance.js';
export type {
  WebhookConformanceAdapter,
  WebhookConformanceOptions,
  WebhookFixtureEvent,
} from './webhook-conformance.js';
export { runWebhookConformance } from './webhook-conformance.js';
