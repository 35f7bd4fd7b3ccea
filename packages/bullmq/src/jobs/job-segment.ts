import type { AudienceSegment, SegmentField, SegmentFilter } from '@gdpr-mail/core';
import { resolveSegmentFilter } from '@gdpr-mail/core/internal';

/**
 * A campaign's segment as it travels through Redis in every job of the
 * campaign: fixed when the campaign is enqueued, so durations
 * (`consentedWithin: 'P24M'`) are already instants (ISO strings) and every
 * worker, whenever it takes its chunk, selects the same people the plan did.
 */
export type JobSegment =
  | { all: JobSegment[] }
  | { any: JobSegment[] }
  | { not: JobSegment }
  | { segment: { in: string[] } }
  | { tag: { in: string[] } }
  | { source: { in: string[] } }
  | { language: { in: string[] } }
  | { country: { in: string[] } }
  | { consentedSince: string }
  | { engagedSince: string };

function listCondition(field: SegmentField, values: { in: string[] }): JobSegment {
  switch (field) {
    case 'segment':
      return { segment: values };
    case 'tag':
      return { tag: values };
    case 'source':
      return { source: values };
    case 'language':
      return { language: values };
    case 'country':
      return { country: values };
  }
}

function fromResolved(segment: AudienceSegment): JobSegment {
  switch (segment.op) {
    case 'all':
      return { all: segment.of.map(fromResolved) };
    case 'any':
      return { any: segment.of.map(fromResolved) };
    case 'not':
      return { not: fromResolved(segment.of) };
    case 'in':
      return listCondition(segment.field, { in: [...segment.values] });
    case 'since':
      return segment.field === 'consent'
        ? { consentedSince: segment.at.toISOString() }
        : { engagedSince: segment.at.toISOString() };
  }
}

/**
 * Checks a segment and fixes it at `now` (the SDK's clock when the campaign is
 * enqueued). Throws VALIDATION_FAILED, as `campaigns.run` would, for a
 * malformed one.
 */
export function fixSegment(filter: SegmentFilter, now: Date): JobSegment {
  return fromResolved(resolveSegmentFilter(filter, now));
}

/** The filter a chunk job hands to `campaigns.run` (and the plan to `planChunks`). */
export function segmentFilterOf(segment: JobSegment): SegmentFilter {
  if ('all' in segment) return { all: segment.all.map(segmentFilterOf) };
  if ('any' in segment) return { any: segment.any.map(segmentFilterOf) };
  if ('not' in segment) return { not: segmentFilterOf(segment.not) };
  if ('consentedSince' in segment) return { consentedSince: new Date(segment.consentedSince) };
  if ('engagedSince' in segment) return { engagedSince: new Date(segment.engagedSince) };
  return segment;
}
