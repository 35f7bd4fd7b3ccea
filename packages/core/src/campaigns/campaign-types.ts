import type { DenyReason, SendContext } from '../policy/can-send.js';
import type { SegmentFilter } from '../segments/segment-filter.js';
import type { DeliveryRecord, DeliveryStatus, SubjectProfile } from '../store/store-types.js';

/** One person of a campaign's audience, as `render` and `filter` see them. */
export interface CampaignMember {
  subjectId: string;
  /** Normalised address. */
  email: string;
  profile: SubjectProfile;
}

/** What `render` returns for one member. The mailer adds the unsubscribe headers and footer. */
export interface CampaignContent {
  subject: string;
  text?: string;
  html?: string;
  headers?: Readonly<Record<string, string>>;
}

/**
 * A slice of the audience by subject id: `after < id <= until`. Either bound
 * may be left open. Chunks from `planChunks` cover the whole id space without
 * overlap, so workers can take one each.
 */
export interface CampaignRange {
  after?: string;
  until?: string;
}

/**
 * `candidates` (default): the store narrows the scan to people whose latest
 * choice for the purpose is a grant (for consent purposes), so withdrawn,
 * objected and never-asked people are not read at all. `all-subjects`: every
 * subject is read and decided, and every refusal is counted by reason.
 */
export type CampaignScan = 'candidates' | 'all-subjects';

export interface CampaignRunInput {
  /** Stable id: the same id never mails one person twice. Letters, digits, `.`, `_`, `-`; at most 128. */
  id: string;
  purposeId: string;
  render(member: CampaignMember): CampaignContent | Promise<CampaignContent>;
  /**
   * Only the people in this segment, selected in the store (SQL on
   * PostgreSQL and PGlite): e.g. `{ all: [{ segment: 'salon-2018' },
   * { language: { in: ['fr', 'nl'] } }, { consentedWithin: 'P24M' }] }`.
   * Durations count back from the start of the run. Give every chunk of a
   * campaign (and `planChunks`) the same segment.
   */
  segment?: SegmentFilter;
  /**
   * Keep only some members, by a predicate of the app's own, after `segment`
   * (it runs over every member read: prefer `segment` where it can say it).
   */
  filter?(member: CampaignMember): boolean | Promise<boolean>;
  scan?: CampaignScan;
  /** Only this slice of the audience (one worker's chunk). */
  range?: CampaignRange;
  /**
   * Subjects read, rendered and handed to the mailer per round (a page);
   * default 2,000, or 10 × `mailer.batchSize` when that is more.
   */
  batchSize?: number;
  /** Stops between batches (the batch on the wire finishes); run again with the same id to resume. */
  signal?: AbortSignal;
  context?: SendContext;
  /**
   * A key left `claimed` but never handed to the transport for this long is
   * taken over (its run crashed before sending). Default 60 s. Keys already
   * handed over (`sending`) are never re-sent.
   */
  staleClaimMs?: number;
  /**
   * Where the transport offers `lookup`, the run first settles this range's
   * deliveries that an earlier run left unknown (`sending`: its process died
   * mid-send; `ambiguous`) and that have not moved for this long: found at the
   * provider, they count as already sent; not found, they are sent again, once.
   * Must exceed the longest a live send can take (the transport's timeouts),
   * or a slow but live send could be looked up before it lands. Default
   * 15 minutes. Without `lookup` such deliveries stay unknown (`inFlight`).
   */
  staleSendingMs?: number;
  /** Called after each batch with the totals so far. */
  onProgress?(report: CampaignReport): void | Promise<void>;
}

export interface CampaignReport {
  campaignId: string;
  purposeId: string;
  /** Subjects read from the store (in range). */
  scanned: number;
  /** Dropped by `filter`. */
  filteredOut: number;
  /** Accepted by the transport in this run. */
  sent: number;
  /** Already accepted in an earlier run (or by another worker): not sent again. */
  alreadySent: number;
  /** Failed in this run or, for good, in an earlier one. */
  failed: number;
  /** Of `failed`, those a later run will try again (transient, rate limited). */
  retryableFailed: number;
  /** The provider may have it: never re-sent automatically. */
  ambiguous: number;
  /**
   * Handed to a transport by a run that has not recorded the outcome: a run
   * still going, or one that crashed mid-send. Never re-sent (see docs/scaling.md).
   */
  inFlight: number;
  invalid: number;
  /**
   * Deliveries an earlier run left unknown that this run settled from the
   * transport's `lookup` before sending: found ones then count in
   * `alreadySent`, the others were sent again and count in `sent`.
   */
  reconciled: number;
  /** Refused by the policy, in total and per reason. */
  denied: number;
  deniedByReason: Partial<Record<DenyReason, number>>;
  batches: number;
  /** false when stopped by the signal before the end of the range. */
  complete: boolean;
  /** The last subject id whose batch went through the mailer. */
  cursor?: string;
}

export interface CampaignChunk {
  index: number;
  range: CampaignRange;
  /** Audience candidates in the chunk when it was planned. */
  size: number;
}

export interface PlanChunksInput {
  purposeId: string;
  /** Candidates per chunk; default 5,000. */
  chunkSize?: number;
  scan?: CampaignScan;
  /** Plan only the people in this segment (the same one each chunk's `run` gets). */
  segment?: SegmentFilter;
}

export interface CampaignReconcileInput {
  campaignId: string;
  /** Only the deliveries of this slice of the audience (one worker's chunk). */
  range?: CampaignRange;
  /**
   * Only deliveries that have not moved for this long (default 15 minutes):
   * a younger one may be a live send not yet answered. See `staleSendingMs`.
   */
  olderThanMs?: number;
  /** Recorded in the audit entry of each settled delivery. Default `system`. */
  actor?: string;
  signal?: AbortSignal;
}

export interface CampaignReconcileReport {
  /** Unknown deliveries (`sending`, `ambiguous`) old enough to be looked up. */
  checked: number;
  /** Found at the provider: now `accepted`. */
  delivered: number;
  /** Not found: now a retryable failure, which the next run sends again. */
  notDelivered: number;
  /** The provider could not tell, or another worker settled them first: left as they were. */
  unknown: number;
}

export interface CampaignService {
  /**
   * Sends one campaign: the audience is read from the store a batch at a time
   * (never whole in memory), each batch goes through `mailer.sendMany` with one
   * idempotency key per (campaign, purpose, recipient), so a retry, a crash or
   * a second worker never mails anyone twice.
   */
  run(input: CampaignRunInput): Promise<CampaignReport>;
  /**
   * Splits the audience into id ranges of about `chunkSize` people, streamed:
   * one job per chunk lets many worker processes share one campaign. The
   * ranges cover the whole id space (the last one is open-ended): someone who
   * joins after planning is mailed if their chunk runs after they joined. Ids
   * are random, so a joiner may fall in a chunk already sent: a later run
   * under the same id reaches them, and mails no one twice.
   */
  planChunks(input: PlanChunksInput): AsyncIterable<CampaignChunk>;
  /**
   * The campaign's delivery records across every worker, streamed in key
   * order; e.g. `{ status: 'sending' }` lists what a crash left unknown, with
   * the Message-ID to look up in the provider's logs.
   */
  deliveries(
    campaignId: string,
    options?: { status?: DeliveryStatus; pageSize?: number },
  ): AsyncIterable<DeliveryRecord>;
  /**
   * Settles a delivery a crash left `sending` (or that came back `ambiguous`),
   * from the provider's logs or webhooks: `delivered` records it as accepted;
   * `not-delivered` as a retryable failure, so the next run of the campaign
   * sends it (once). Refused (VALIDATION_FAILED) for a record in any other
   * state, STORE_CONFLICT when it changed meanwhile. Audited.
   */
  settle(
    idempotencyKey: string,
    outcome: 'delivered' | 'not-delivered',
    options?: { providerMessageId?: string; actor?: string },
  ): Promise<DeliveryRecord>;
  /**
   * `settle` for every unknown delivery of a campaign (or of one range), from
   * the transport's `lookup`: what a crash left `sending` and what came back
   * `ambiguous`. `run` does this by itself first where the transport can look
   * up. Refused (MAILER_NOT_CONFIGURED) when the transport has no `lookup`.
   */
  reconcile(input: CampaignReconcileInput): Promise<CampaignReconcileReport>;
}
