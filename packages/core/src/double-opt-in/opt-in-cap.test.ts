import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');

describe('#19 finding 5: the confirmation-mail cap holds under concurrency', () => {
  it('REQ-16: 50 parallel same-millisecond signups of one address issue at most maxRequestsPerDay links', async () => {
    const store = new MemoryStore();
    // A frozen clock: every request happens in the same millisecond.
    const gdpr = createGdprMail(
      testConfig({
        store,
        clock: () => T0,
        doubleOptIn: { defaultLocale: 'en', maxRequestsPerDay: 5 },
      }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        gdpr.optIn.request('race@example.com', ['newsletter'], checkboxEvidence),
      ),
    );
    const issued = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) =>
        r.status === 'rejected' && isGdprMailError(r.reason) && r.reason.code === 'RATE_LIMITED',
    ).length;
    expect(issued).toBe(5);
    expect(refused).toBe(45);
  });
});
