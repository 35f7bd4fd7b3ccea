import { runAudienceConformance } from './conformance/audience.js';
import { runAuditConformance } from './conformance/audit.js';
import { runConsentConformance } from './conformance/consent.js';
import { runDeliveryConformance } from './conformance/deliveries.js';
import { runDocumentConformance } from './conformance/documents.js';
import { runDsarConformance } from './conformance/dsar.js';
import type { StoreConformanceOptions, StoreFactory } from './conformance/harness.js';
import { runOutboxConformance } from './conformance/outbox.js';
import { runSegmentConformance } from './conformance/segments.js';
import { runSubjectConformance } from './conformance/subjects.js';
import { runSuppressionConformance } from './conformance/suppression.js';
import { runTransactionConformance } from './conformance/transactions.js';

export type {
  AuditTamper,
  StoreCapabilities,
  StoreCapability,
  StoreConformanceOptions,
  StoreFactory,
} from './conformance/harness.js';

/**
 * The behaviour every GdprStore must show, every aggregate's suite in turn.
 * Call it from a test file:
 * `runStoreConformance('postgres', () => createPostgresStore(...))`.
 * Each test gets a fresh store from `makeStore`. A store being written can run
 * one aggregate's suite alone (`runConsentConformance`, …) with the same
 * arguments, and opt out of tests with `options.skip` / `options.capabilities`.
 *
 * The integrity of the chains (continuity, hashes) is core's and is tested in
 * core (`integrity-checks.test.ts`); these suites test what the store keeps:
 * compare-and-sets, single use, atomic transactions, reads.
 */
export function runStoreConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  runSubjectConformance(name, makeStore, options);
  runConsentConformance(name, makeStore, options);
  runSuppressionConformance(name, makeStore, options);
  runAudienceConformance(name, makeStore, options);
  runSegmentConformance(name, makeStore, options);
  runAuditConformance(name, makeStore, options);
  runDeliveryConformance(name, makeStore, options);
  runDsarConformance(name, makeStore, options);
  runDocumentConformance(name, makeStore, options);
  runOutboxConformance(name, makeStore, options);
  runTransactionConformance(name, makeStore, options);
}
