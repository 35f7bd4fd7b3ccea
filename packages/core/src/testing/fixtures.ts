import type { GdprMailConfig } from '../config/config-schema.js';
import { MemoryStore } from '../store/memory-store.js';
import type { DeliveryRecord } from '../store/store-types.js';
import { testLogger } from './log-capture.js';

/**
 * A complete, valid config for tests; override what a test is about. It
 * brings its own memory store: without one, tests would share the default
 * on-disk store (./.gdpr-mail) across workers.
 */
export function testConfig(overrides: Partial<GdprMailConfig> = {}): GdprMailConfig {
  const config: GdprMailConfig = {
    // Everything the SDK logs in tests is kept, so the suite can check no line is personal.
    logger: testLogger,
    controller: { name: 'Acme SAS', email: 'privacy@acme.test', country: 'FR' },
    secrets: { pepper: 'test-pepper-0123456789-abcdefghijklmnop' },
    tokens: { keys: [{ id: 'k1', secret: 'test-token-key-1-0123456789abcdefghijklmnop' }] },
    links: { baseUrl: 'https://app.acme.test/gdpr', privacyUrl: 'https://acme.test/privacy' },
    purposes: [
      {
        id: 'newsletter',
        title: 'Monthly newsletter',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme SAS sends you its monthly newsletter. You can withdraw your consent at any time with the unsubscribe link in every email.',
        },
        retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
      },
      {
        id: 'partners',
        title: 'Offers from our partners',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme SAS shares your address with selected partners. You can withdraw at any time.',
        },
        retention: { duration: 'P3Y', anchor: 'collected', action: 'delete' },
      },
      {
        id: 'customer-offers',
        title: 'Offers on products like the ones you bought',
        lawfulBasis: 'soft-opt-in',
        softOptIn: { categories: ['garden', 'tools'] },
        notice: {
          version: '1.0',
          text: 'As a customer of Acme SAS you receive offers on similar products. Unsubscribe at any time.',
        },
        retention: { duration: 'P3Y', anchor: 'account-closed', action: 'delete' },
      },
      {
        id: 'b2b-prospecting',
        title: 'Professional offers',
        lawfulBasis: 'legitimate-interest',
        legitimateInterest:
          'Offering our professional services to businesses whose activity they serve',
        subjectCategories: ['professional contacts'],
        notice: {
          version: '1.0',
          text: 'Acme SAS may email you about offers for your profession. You can opt out at any time.',
        },
        retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
      },
      {
        id: 'orders',
        title: 'Order confirmations',
        kind: 'transactional',
        lawfulBasis: 'contract',
        notice: {
          version: '1.0',
          text: 'Acme SAS emails you about your orders. These emails cannot be unsubscribed from while the order runs; withdraw is not applicable.',
        },
        retention: { duration: 'P10Y', anchor: 'collected', action: 'delete' },
      },
    ],
    ...overrides,
  };
  if (!('store' in overrides)) {
    // Not enumerable: a config written out as JSON (CLI tests) stays plain data.
    Object.defineProperty(config, 'store', { value: new MemoryStore(), enumerable: false });
  }
  return config;
}

/** Evidence of a ticked, unticked-by-default checkbox on a signup form. */
/** A transactional purpose on `legal-obligation` (invoices kept six years from collection). */
export const invoicesPurpose: GdprMailConfig['purposes'][number] = {
  id: 'invoices',
  title: 'Invoices',
  kind: 'transactional',
  lawfulBasis: 'legal-obligation',
  notice: {
    version: '1.0',
    text: 'Acme SAS emails you the invoices the law requires; withdraw is not applicable.',
  },
  retention: { duration: 'P6Y', anchor: 'collected', action: 'delete' },
};

/**
 * Overrides for `testConfig` that turn open tracking on under its own consent
 * purpose, `open_tracking` (REQ-29): `testConfig({ ...openTrackingOverrides(), … })`.
 */
export function openTrackingOverrides(
  mode: 'none' | 'aggregate' | 'individual' = 'individual',
): Pick<GdprMailConfig, 'tracking' | 'purposes'> {
  return {
    tracking: { mode, purposeId: 'open_tracking' },
    purposes: [
      ...testConfig().purposes,
      {
        id: 'open_tracking',
        title: 'Measure opens',
        kind: 'tracking',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme SAS measures whether you open its emails. Withdraw at any time.',
        },
        retention: { duration: 'P1Y', anchor: 'collected' },
      },
    ],
  };
}

export const checkboxEvidence = {
  action: 'affirmative' as const,
  method: 'checkbox' as const,
  source: 'signup-form',
  formId: 'signup-v1',
};

/**
 * A delivery record as its claimer first writes it: `claimed`, first attempt,
 * created and updated at `at`; purpose `newsletter` and the `memory` transport
 * unless given.
 */
export function claimedDelivery(
  fields: Pick<DeliveryRecord, 'idempotencyKey' | 'messageId'> &
    Partial<Pick<DeliveryRecord, 'subjectId' | 'campaignId' | 'purposeId' | 'transport'>>,
  at: Date,
): DeliveryRecord {
  return {
    purposeId: 'newsletter',
    transport: 'memory',
    ...fields,
    status: 'claimed',
    retryable: false,
    attempts: 1,
    createdAt: at,
    updatedAt: at,
  };
}
