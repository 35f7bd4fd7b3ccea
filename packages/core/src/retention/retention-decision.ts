import type { PurposeConfig } from '../config/config-schema.js';
import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import type { ConsentEvent } from '../consent/consent-event.js';
import { ALL_PURPOSES } from '../consent/consent-event.js';
import { deriveConsentState } from '../consent/ledger.js';
import type { SubjectRecord } from '../store/store-types.js';

export type RetentionVerdict =
  | { due: false; reason: 'held'; hold: string }
  | { due: false; reason: 'within-retention'; until?: Date }
  | {
      due: true;
      /** The purpose whose retention ends last: its action applies. */
      purposeId: string;
      action: 'delete' | 'anonymise' | 'archive' | 'delete-archived';
      since: Date;
    };

/** How long an `archive-then-delete` archive lives when the purpose names no `archiveFor`. */
export const DEFAULT_ARCHIVE_FOR = 'P12M';

/**
 * Purposes that hold a person's data: any ledger event, a re-permission still
 * open for it (an imported contact being asked again), or the facts the app
 * keeps for a basis the ledger cannot record:
 * - soft-opt-in: a customer record (a sale);
 * - legitimate-interest: a B2B record;
 * - contract: a customer record, an account opened or closed (`accountOpenedAt`,
 *   `accountClosedAt`) or an import on `contract`;
 * - legal-obligation: an import on `legal-obligation`.
 * `consent.record` refuses contract and legal-obligation purposes: without
 * these facts their people would count as unlinked and go `unlinkedFor` after
 * their last act, whatever the purpose's own period (SEED-05).
 */
export function linkedPurposes(
  purposes: readonly PurposeConfig[],
  subject: SubjectRecord,
  events: readonly ConsentEvent[],
): PurposeConfig[] {
  const { profile } = subject;
  const mentioned = new Set(events.map((e) => e.purposeId));
  const asking = profile.contact?.repermission;
  if (asking && (asking.status === 'flagged' || asking.status === 'sent')) {
    for (const id of asking.purposeIds) mentioned.add(id);
  }
  // Only these two bases: an import on a consentable basis links through its
  // ledger or its open re-permission, so it lets go once the person refuses or
  // the re-permission expires (REQ-27).
  const importedOn = (basis: 'contract' | 'legal-obligation') =>
    profile.contact?.sources.some((s) => s.basis === basis) === true;
  return purposes.filter((p) => {
    if (mentioned.has(p.id)) return true;
    switch (p.lawfulBasis) {
      case 'soft-opt-in':
        return Boolean(profile.customer);
      case 'legitimate-interest':
        return Boolean(profile.professional);
      case 'contract':
        // A sale and an account are contracts; the customer relationship lasts
        // until `closeAccount`, the anchor `account-closed` retention runs from.
        return (
          Boolean(profile.customer || profile.accountOpenedAt || profile.accountClosedAt) ||
          importedOn('contract')
        );
      case 'legal-obligation':
        return importedOn('legal-obligation');
      default:
        return false;
    }
  });
}

/** The person's own last act: their ledger events and recorded interactions; opens never count. */
export function lastInteraction(subject: SubjectRecord, events: readonly ConsentEvent[]): Date {
  let latest = subject.profile.lastInteractionAt ?? subject.createdAt;
  for (const event of events) {
    if (event.proof.actor === 'subject' && event.at > latest) latest = event.at;
  }
  return latest;
}

/** When this purpose's retention ends for the person; undefined while its anchor has not happened. */
export function retentionEnd(
  purpose: PurposeConfig,
  subject: SubjectRecord,
  events: readonly ConsentEvent[],
): Date | undefined {
  const duration = parseIsoDuration(purpose.retention.duration)!;
  switch (purpose.retention.anchor) {
    case 'collected':
      return addDuration(subject.createdAt, duration);
    case 'last-interaction':
      return addDuration(lastInteraction(subject, events), duration);
    case 'withdrawn': {
      const state = deriveConsentState(events, purpose.id);
      if (state.status !== 'withdrawn' && state.status !== 'objected') return undefined;
      return state.since ? addDuration(state.since, duration) : undefined;
    }
    case 'account-closed':
      return subject.profile.accountClosedAt
        ? addDuration(subject.profile.accountClosedAt, duration)
        : undefined;
  }
}

/**
 * Is the person's data due for removal now? Only when every purpose that holds
 * it has run out (REQ-27). Archived data goes when its archive period ends.
 */
export function decideRetention(
  purposes: readonly PurposeConfig[],
  subject: SubjectRecord,
  events: readonly ConsentEvent[],
  now: Date,
  unlinkedFor: string,
): RetentionVerdict {
  const hold = subject.profile.legalHold;
  if (hold && (!hold.until || hold.until > now))
    return { due: false, reason: 'held', hold: hold.reason };

  const linked = linkedPurposes(purposes, subject, events);
  if (subject.profile.archivedAt) {
    const governing = linked.find((p) => p.retention.action === 'archive-then-delete');
    const archiveFor = parseIsoDuration(governing?.retention.archiveFor ?? DEFAULT_ARCHIVE_FOR)!;
    const end = addDuration(subject.profile.archivedAt, archiveFor);
    return end < now
      ? {
          due: true,
          purposeId: governing?.id ?? ALL_PURPOSES,
          action: 'delete-archived',
          since: end,
        }
      : { due: false, reason: 'within-retention', until: end };
  }
  if (linked.length === 0) {
    const end = addDuration(lastInteraction(subject, events), parseIsoDuration(unlinkedFor)!);
    return end < now
      ? { due: true, purposeId: ALL_PURPOSES, action: 'delete', since: end }
      : { due: false, reason: 'within-retention', until: end };
  }
  let latest: { purpose: PurposeConfig; end: Date } | undefined;
  for (const purpose of linked) {
    const end = retentionEnd(purpose, subject, events);
    if (!end || end >= now)
      return { due: false, reason: 'within-retention', ...(end ? { until: end } : {}) };
    if (!latest || end > latest.end) latest = { purpose, end };
  }
  const action = latest!.purpose.retention.action;
  return {
    due: true,
    purposeId: latest!.purpose.id,
    action: action === 'archive-then-delete' ? 'archive' : action,
    since: latest!.end,
  };
}
