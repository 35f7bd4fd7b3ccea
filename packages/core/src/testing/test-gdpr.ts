import type { GdprMailConfig } from '../config/config-schema.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import type { GdprStore } from '../store/store-types.js';
import { InMemoryTransport } from '../transport/memory-transport.js';
import { testConfig } from './fixtures.js';
import { createTestClock } from './test-clock.js';

/**
 * A GdprMail for core's own tests: the test config, a memory store (or the
 * one given), an in-memory transport, a test clock at 2026-03-01 09:00 UTC and
 * a mailer that tries once without waiting. Internal: not exported by
 * `@gdpr-mail/core/testing`, which must not pull the whole SDK in.
 */
export function testGdpr<S extends GdprStore = MemoryStore>(
  overrides: Partial<GdprMailConfig> = {},
  store: S = new MemoryStore() as unknown as S,
) {
  const transport = new InMemoryTransport();
  const clock = createTestClock('2026-03-01T09:00:00.000Z');
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      clock,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
      ...overrides,
    }),
  );
  return { gdpr, store, transport, clock };
}
