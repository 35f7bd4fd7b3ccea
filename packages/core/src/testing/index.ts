export { checkboxEvidence, testConfig } from './fixtures.js';
export type { StoreConformanceOptions } from './store-conformance.js';
export { runStoreConformance } from './store-conformance.js';
export type { TestClock } from './test-clock.js';
export { createTestClock } from './test-clock.js';
export type { ReceivedMessage, TransportConformanceOptions } from './transport-conformance.js';
export { runTransportConformance } from './transport-conformance.js';
