import type { ConsentEvent } from '../consent/consent-event.js';
import { isEncryptedStore } from '../store/encrypted-store.js';
import type { GdprStore, SubjectRecord } from '../store/store-types.js';
import { matchesSegment } from './match-segment.js';
import type { AudienceSegment } from './segment-filter.js';
import { segmentReadsConsent } from './segment-filter.js';

/**
 * Keeps the members of `page` that are in the segment, by the reference
 * evaluator. A store narrows the audience itself (the SQL stores compile the
 * segment to SQL), but the contract lets it return a superset, so core makes
 * the final call, as the sending policy does for consent. The ledger is read
 * (one query per page) only when the segment has a consent condition, from
 * the store under the encryption layer: types, purposes and dates are clear.
 */
export async function keepSegmentMembers<T extends SubjectRecord>(
  store: GdprStore,
  page: readonly T[],
  segment: AudienceSegment | undefined,
  purposeId: string,
): Promise<T[]> {
  if (!segment || page.length === 0) return [...page];
  const ledgers = new Map<string, ConsentEvent[]>();
  if (segmentReadsConsent(segment)) {
    const raw = isEncryptedStore(store) ? store.raw : store;
    for (const event of await raw.listConsentEventsForSubjects(page.map((s) => s.id))) {
      const ledger = ledgers.get(event.subjectId);
      if (ledger) ledger.push(event);
      else ledgers.set(event.subjectId, [event]);
    }
  }
  return page.filter((subject) =>
    matchesSegment(segment, subject.profile, ledgers.get(subject.id) ?? [], purposeId),
  );
}
