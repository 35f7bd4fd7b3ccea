import type { ConsentEvent } from '../consent/consent-event.js';
import type { SubjectProfile } from '../store/store-types.js';
import type { AudienceSegment, SegmentField } from './segment-filter.js';

/**
 * The targeting facts of one profile, read the way the SQL stores' columns
 * are derived from it (migration 9): a fact of the wrong type counts as absent.
 */
export interface SegmentFacts {
  segments: readonly string[];
  tags: readonly string[];
  sources: readonly string[];
  language: string | undefined;
  country: string | undefined;
  lastInteractionAt: Date | undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function segmentFacts(profile: SubjectProfile): SegmentFacts {
  const contact = profile.contact;
  const sources = Array.isArray(contact?.sources) ? contact.sources : [];
  const last = profile.lastInteractionAt;
  return {
    segments: strings(contact?.segments),
    tags: strings(contact?.tags),
    sources: sources.flatMap((source) =>
      typeof source === 'object' && source !== null && typeof source.label === 'string'
        ? [source.label]
        : [],
    ),
    language: text(profile.language),
    country: text(profile.country),
    lastInteractionAt: last instanceof Date && !Number.isNaN(last.getTime()) ? last : undefined,
  };
}

function fieldValues(facts: SegmentFacts, field: SegmentField): readonly string[] {
  switch (field) {
    case 'segment':
      return facts.segments;
    case 'tag':
      return facts.tags;
    case 'source':
      return facts.sources;
    case 'language':
      return facts.language === undefined ? [] : [facts.language];
    case 'country':
      return facts.country === undefined ? [] : [facts.country];
  }
}

/** A grant or confirmation for the purpose at or after `since` (the ledger's own dates). */
function consentedSince(events: readonly ConsentEvent[], purposeId: string, since: Date): boolean {
  return events.some(
    (e) =>
      e.purposeId === purposeId &&
      (e.type === 'granted' || e.type === 'confirmed') &&
      e.at.getTime() >= since.getTime(),
  );
}

/**
 * The reference evaluator: whether one person is in a segment, for a
 * campaign of `purposeId`. The memory store selects with it, core re-checks
 * every store's page with it, and the SQL compiler of @gdpr-mail/postgres is
 * property-tested against it. `events` is the person's ledger (only read
 * when the segment has a consent condition).
 */
export function matchesSegment(
  segment: AudienceSegment,
  profile: SubjectProfile,
  events: readonly ConsentEvent[],
  purposeId: string,
): boolean {
  const facts = segmentFacts(profile);
  const test = (node: AudienceSegment): boolean => {
    switch (node.op) {
      case 'all':
        return node.of.every(test);
      case 'any':
        return node.of.some(test);
      case 'not':
        return !test(node.of);
      case 'in': {
        const wanted = node.values;
        return fieldValues(facts, node.field).some((value) => wanted.includes(value));
      }
      case 'since':
        return node.field === 'consent'
          ? consentedSince(events, purposeId, node.at)
          : facts.lastInteractionAt !== undefined &&
              facts.lastInteractionAt.getTime() >= node.at.getTime();
    }
  };
  return test(segment);
}
