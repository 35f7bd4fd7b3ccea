import { describe } from 'vitest';
import { runAudienceConformance } from './conformance/audience.js';
import { runAuditConformance } from './conformance/audit.js';
import { runConsentConformance } from './conformance/consent.js';
import { runDeliveryConformance } from './conformance/deliveries.js';
import { runDocumentConformance } from './conformance/documents.js';
import { runDsarConformance } from './conformance/dsar.js';
import type { StoreConformanceOptions, StoreFactory } from './conformance/harness.js';
import { failUnknownSkips, forCombinedRun, foreignSkips } from './conformance/harness.js';
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
 * A skip id that names no test of any suite fails the run.
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
  // Each suite fails on a skip id of its own namespace that names none of its tests;
  // an id in no suite's namespace is this run's to report, once.
  const combined = forCombinedRun(options);
  const foreign = foreignSkips(options.skip);
  // Only when there is something to report: vitest fails a suite without tests.
  if (foreign.length > 0) {
    describe(`GdprStore conformance: ${name} / options.skip`, () => {
      failUnknownSkips(
        foreign,
        (id) => `options.skip names ${id}, which is no test of any conformance suite.`,
      );
    });
  }
  runSubjectConformance(name, makeStore, combined);
  runConsentConformance(name, makeStore, combined);
  runSuppressionConformance(name, makeStore, combined);
  runAudienceConformance(name, makeStore, combined);
  runSegmentConformance(name, makeStore, combined);
  runAuditConformance(name, makeStore, combined);
  runDeliveryConformance(name, makeStore, combined);
  runDsarConformance(name, makeStore, combined);
  runDocumentConformance(name, makeStore, combined);
  runOutboxConformance(name, makeStore, combined);
  runTransactionConformance(name, makeStore, combined);
}
