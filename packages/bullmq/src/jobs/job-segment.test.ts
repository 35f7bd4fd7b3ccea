import type { SegmentFilter } from '@gdpr-mail/core';
import { resolveSegmentFilter } from '@gdpr-mail/core/internal';
import { describe, expect, it } from 'vitest';
import { fixSegment, segmentFilterOf } from './job-segment.js';

describe('job segments', () => {
  const now = new Date('2026-03-31T12:00:00.000Z');
  const filter: SegmentFilter = {
    all: [
      { segment: 'salon-2018' },
      { language: { in: ['FR', 'nl'] } },
      { consentedWithin: 'P1M' },
      { not: { tag: 'churned' } },
      {
        any: [
          { country: 'be' },
          { engagedSince: new Date('2026-01-01T00:00:00.000Z') },
          { source: 'Salon X 2018' },
        ],
      },
    ],
  };

  it('fixes durations at enqueue, survives JSON, and selects as the original did then', () => {
    const fixed = fixSegment(filter, now);
    expect(JSON.parse(JSON.stringify(fixed))).toEqual(fixed);
    expect(fixed).toMatchObject({
      all: [
        { segment: { in: ['salon-2018'] } },
        { language: { in: ['fr', 'nl'] } },
        // Calendar months: 31 March minus P1M is the last day of February.
        { consentedSince: '2026-02-28T12:00:00.000Z' },
        { not: { tag: { in: ['churned'] } } },
        {
          any: [
            { country: { in: ['BE'] } },
            { engagedSince: '2026-01-01T00:00:00.000Z' },
            { source: { in: ['Salon X 2018'] } },
          ],
        },
      ],
    });
    const later = new Date('2027-01-01T00:00:00.000Z');
    // Whenever a worker resolves it, it is the segment as it was at enqueue.
    expect(resolveSegmentFilter(segmentFilterOf(fixed), later)).toEqual(
      resolveSegmentFilter(filter, now),
    );
  });

  it('refuses a malformed segment before anything is queued', () => {
    expect(() => fixSegment({ consentedWithin: '24 months' }, now)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});
