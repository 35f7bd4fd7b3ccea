import type { AuditEntry, AuditHead } from '../audit/audit-entry.js';
import type { BreachIncident } from '../breaches/breach-incident.js';
import type { ConsentEvent, LedgerHead } from '../consent/consent-event.js';
import type { DsarRequest, DsarStatus } from '../dsar/dsar-request.js';
import type { AudienceSegment } from '../segments/segment-filter.js';

export const AGE_BRACKETS = ['under-13', '13', '14', '15', '16-17', 'adult'] as const;
export type AgeBracket = (typeof AGE_BRACKETS)[number];

export const SUPPRESSION_REASONS = [
  'unsubscribed-all',
  'erased',
  'hard-bounce',
  'complaint',
  'manual',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** Facts about a person that the sending policy needs. Age is a bracket, never a birth date (REQ-19). */
export interface SubjectProfile {
  /** The person's display name (personal data: exported by DSAR, erased with the person). */
  name?: string;
  /** A phone number as the app gave it (personal data). */
  phone?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  ageBracket?: AgeBracket;
  parentalConsent?: { at: Date; method: string; reference?: string };
  /** Soft opt-in facts (ePrivacy 13(2)): a sale, what was sold, when objection was offered. */
  customer?: { saleRef: string; categories: string[]; objectionOfferedAt: Date };
  /** B2B: the person was told of the mailing and could object (REQ-07). */
  professional?: { informedAt: Date; jobTitle?: string };
  /** DNT / GPC seen at signup (REQ-15, SEED-07). */
  privacySignals?: { dnt: boolean; gpc: boolean; at: Date };
  /** Art. 18 restriction: storage only. */
  restriction?: { at: Date; reason: string };
  /** ISO 639-1. */
  language?: string;
  /** The person's last own act (a click, a reply, a login): opens do not count (REQ-27). */
  lastInteractionAt?: Date;
  /**
   * When the customer account was opened (`subjects.openAccount`): while it is set, every
   * `contract` purpose holds the person (SEED-05).
   */
  accountOpenedAt?: Date;
  /** When the customer account was closed: anchor of `account-closed` retention. */
  accountClosedAt?: Date;
  /** Archived by retention: kept for the archive period, never mailed. */
  archivedAt?: Date;
  /** Art. 17(3): data kept for a legal obligation or claim; retention skips it. */
  legalHold?: { reason: string; until?: Date };
  /** Contact-base facts kept by imports: segments, every source, custom keys (SEED-01, SEED-02). */
  contact?: ContactFacts;
}

/** Where a contact came from: one entry per (list, source label), never overwritten (SEED-01). */
export interface ContactSource {
  /** The source label given to the import, e.g. "Salon X 2018". */
  label: string;
  /** The legacy list the row came from; also kept as a segment. */
  list: string;
  /** The lawful basis declared for that import. */
  basis: string;
  importedAt: Date;
  /** When the person consented, as the file said; absent when the file held no proof. */
  consentAt?: Date;
  /** The proof reference the file held (a form id, a signed paper's number). */
  proof?: string;
}

/** A value of one row that disagreed with what the contact already had; kept, not lost. */
export interface ContactConflict {
  field: string;
  kept: string;
  other: string;
  /** `list / label` of the row that brought the other value. */
  source: string;
}

export const REPERMISSION_STATUSES = ['flagged', 'sent', 'confirmed', 'expired'] as const;
export type RepermissionStatus = (typeof REPERMISSION_STATUSES)[number];

/** A contact without proof of consent, to be asked again (SEED-02). */
export interface RepermissionState {
  status: RepermissionStatus;
  purposeIds: string[];
  flaggedAt: Date;
  sentAt?: Date;
  deadline?: Date;
  confirmedAt?: Date;
  expiredAt?: Date;
}

export interface ContactFacts {
  /** The legacy lists this contact was on, merged into one base (SEED-01). */
  segments: string[];
  /** Free labels the app targets (`vip`, `b2b`), in the clear like segments (docs/security.md). */
  tags?: string[];
  sources: ContactSource[];
  /** Custom unique keys mapped from the file, e.g. `{ customerNumber: 'C-1001' }`. */
  attributes?: Record<string, string>;
  conflicts?: ContactConflict[];
  repermission?: RepermissionState;
}

export interface SubjectRecord {
  id: string;
  /** Keyed hash of the normalised address, for lookup without scanning. */
  emailHash: string;
  email: string;
  createdAt: Date;
  updatedAt: Date;
  profile: SubjectProfile;
  /**
   * The person's data key, wrapped by a key-encryption key (issue #18). Stored with
   * the row and deleted with it: erasing the row shreds everything sealed under it.
   */
  dataKey?: string;
}

/** A compare-and-set of one subject's wrapped data key (`replaceSubjectDataKeys`). */
export interface SubjectDataKeyChange {
  id: string;
  /** The wrapped key the caller read; the write happens only if it is still there. */
  expected: string;
  next: string;
}

export interface SuppressionEntry {
  /** Keyed hash of the normalised address: the list never holds the address (REQ-28). */
  hash: string;
  reason: SuppressionReason;
  at: Date;
  source: string;
}

export interface NoticeRecord {
  purposeId: string;
  version: string;
  hash: string;
  text: string;
  firstSeenAt: Date;
}

/** A double opt-in request waiting for its confirmation (REQ-16, REQ-18). */
export interface PendingOptIn {
  /** Also the nonce of the confirmation token. */
  id: string;
  subjectId: string;
  purposeIds: string[];
  requestedAt: Date;
  expiresAt: Date;
}

/**
 * `claimed`: the key is reserved, nothing handed to a transport yet (safe to
 * take over when stale). `sending`: handed to the transport, outcome not yet
 * recorded (a crash here leaves it unknown: never re-sent). Then one of
 * `accepted`, `failed`, `ambiguous`.
 */
export const DELIVERY_STATUSES = ['claimed', 'sending', 'accepted', 'failed', 'ambiguous'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One message handed (or about to be handed) to a transport. The idempotency
 * key is claimed before sending, so a retry or a re-run never mails twice.
 * Holds no address: the subject id links it to the person (and erasure removes it).
 */
export interface DeliveryRecord {
  idempotencyKey: string;
  messageId: string;
  subjectId?: string;
  purposeId: string;
  campaignId?: string;
  transport: string;
  status: DeliveryStatus;
  /** Failure category or provider code; no personal data. */
  reason?: string;
  /** A failed record that may be claimed again by a later run. */
  retryable: boolean;
  providerMessageId?: string;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryClaim = { claimed: true } | { claimed: false; existing: DeliveryRecord };

export type DeliveryUpdate = { idempotencyKey: string } & Pick<
  DeliveryRecord,
  'status' | 'retryable' | 'attempts' | 'updatedAt'
> &
  Partial<Pick<DeliveryRecord, 'reason' | 'providerMessageId'>>;

export interface ClaimOptions {
  /**
   * Also take over records still `claimed` (never handed to a transport) whose
   * `updatedAt` is before this instant: their claimer crashed or stalled
   * before `startDeliveries`. Safe even if it is alive: the take-over gives the
   * record a new `messageId`, so the old claimer's `startDeliveries` fails.
   */
  reclaimClaimedBefore?: Date;
}

/** The claimer's fence: only the holder of this message id may start the delivery. */
export interface DeliveryStart {
  idempotencyKey: string;
  messageId: string;
}

/**
 * Settles a delivery whose outcome was unknown (`sending` or `ambiguous`),
 * but only while it still carries `messageId`: a record taken over and sent
 * again since has another message id and is left alone.
 */
export type DeliverySettle = DeliveryStart &
  Pick<DeliveryRecord, 'retryable' | 'updatedAt' | 'reason'> &
  Partial<Pick<DeliveryRecord, 'providerMessageId'>> & { status: 'accepted' | 'failed' };

export interface CampaignDeliveryQuery {
  campaignId: string;
  status?: DeliveryStatus;
  afterKey?: string;
  limit: number;
}

export interface ListOptions {
  purposeId?: string;
}

/** One page of an audience scan, in subject id order (keyset pagination). */
export interface AudienceQuery {
  purposeId: string;
  /**
   * true: only subjects whose latest status-changing event (granted,
   * confirmed, withdrawn, objected, expired) for the purpose or for every
   * purpose ('*') is a grant or a confirmation. false: every subject (soft
   * opt-in, legitimate interest, contract). Either way a superset: the policy
   * in core makes the final call.
   */
  consentRequired: boolean;
  /** Return subjects whose id sorts after this one. */
  afterSubjectId?: string;
  /**
   * Return no subject whose id sorts after this one (the upper bound of a
   * campaign chunk's range), so a page never reads past its range. Core drops
   * anything beyond it too, for a store that does not know the field.
   */
  untilSubjectId?: string;
  limit: number;
  /**
   * Only subjects in this segment (issue #22), resolved by core. A store may
   * return a superset (core re-checks every page with `matchesSegment`), but
   * one that narrows must never drop a subject the reference evaluator keeps.
   */
  segment?: AudienceSegment;
}

/** What `setSubjectSegments` replaces; a list left out is kept as it is. */
export interface SegmentChange {
  segments?: readonly string[];
  tags?: readonly string[];
}

/**
 * One unit of deferred work (issue #19): what a public route accepted, done
 * after the answer so that the answer costs the same whoever the address is.
 * The payload is sealed by the outbox module; a store keeps it as opaque text.
 */
export interface OutboxItem {
  id: string;
  /** What to do: `signup`, `dsar-request`. */
  kind: string;
  /** Sealed JSON (AES-256-GCM): the address is never in the clear at rest. */
  payload: string;
  createdAt: Date;
  /** Not claimed before this instant (retry back-off). */
  availableAt: Date;
  /** Claims so far, counted when claimed: a drainer that crashes on an item still counts. */
  attempts: number;
  /** The last failure's error code; never a message, never personal data. */
  lastError?: string;
  /** The drainer holding the item, until `leaseUntil`. */
  leaseOwner?: string;
  leaseUntil?: Date;
}

export interface OutboxClaimQuery {
  now: Date;
  /** The lease given to the claimed items; past it, another drainer may take them over. */
  leaseUntil: Date;
  owner: string;
  limit: number;
}

export interface OutboxRelease {
  /** When the item may be claimed again. */
  availableAt: Date;
  lastError?: string;
  /**
   * Replaces the sealed payload, when given: the work's progress. A sign-up whose
   * confirmation mail the transport refused keeps that mail, so the retry sends it
   * again instead of asking again (which would count against the daily limit).
   */
  payload?: string;
}

/*
 * The store contract, split by aggregate (issue #18). A store implements every
 * part (`StoreOperations` composes them); a store's test file can run the
 * conformance suite of each part alone (`@gdpr-mail/core/testing`).
 *
 * Division of labour. Core, above the store (`createEncryptedStore`, which
 * createGdprMail wraps around every store), checks the integrity of what is
 * written — a consent batch continues its expected head link by link and each
 * event's hash is recomputed; an audit run is consecutive, linked and hashed —
 * and seals personal data. The store persists opaque rows and keeps only the
 * rules no layer above it can keep: the atomic compare-and-sets (ledger head,
 * audit head, versions, delivery claims), single use (pending opt-ins,
 * nonces), uniqueness (one subject per email hash) and atomic transactions.
 */

/**
 * Subjects: the people, their profile and their wrapped data key.
 * Store rules: one subject per email hash even under concurrent creates;
 * deleting a subject also deletes its consent ledger, pending opt-ins and
 * deliveries (erasure); `replaceSubjectDataKeys` is a compare-and-set.
 * Core seals the personal fields before they reach the store.
 */
export interface SubjectOperations {
  createSubject(subject: SubjectRecord): Promise<SubjectRecord>;
  findSubjectByEmailHash(emailHash: string): Promise<SubjectRecord | undefined>;
  getSubject(id: string): Promise<SubjectRecord | undefined>;
  updateSubjectProfile(id: string, profile: SubjectProfile, at: Date): Promise<SubjectRecord>;
  /** Removes the subject and its consent ledger and pending opt-ins; false when unknown. */
  deleteSubject(id: string): Promise<boolean>;
  /** `deleteSubject` for many in one statement (retention sweeps); returns how many went. */
  deleteSubjects(ids: readonly string[]): Promise<number>;
  /**
   * Rewrites wrapped data keys, each only where the row still holds `expected`
   * (a concurrent write wins; the caller reads again). Returns the ids updated.
   */
  replaceSubjectDataKeys(changes: readonly SubjectDataKeyChange[]): Promise<string[]>;
  /** Every subject, a page at a time in id order (retention sweeps, exports). */
  listSubjects(query: { afterId?: string; limit: number }): Promise<SubjectRecord[]>;
  /** Bulk reads for the send pipeline: one round trip per batch, not per recipient. */
  findSubjectsByEmailHashes(emailHashes: readonly string[]): Promise<SubjectRecord[]>;
  /**
   * Subjects whose `profile.contact.attributes[name]` is one of `values`: the
   * lookup of imports keyed on a custom field (a customer number).
   */
  findSubjectsByAttribute(name: string, values: readonly string[]): Promise<SubjectRecord[]>;
}

/**
 * Consent: the hash-chained ledger of each subject (REQ-05), the notice texts
 * it points to, and the double opt-in that produces it (pending opt-ins and the
 * single-use nonces of its tokens).
 *
 * Core's part: before `appendConsentEvents` reaches the store, core checks
 * that the batch continues `expectedHead` (subject, seq + 1, prevHash) and
 * recomputes every event's hash on the clear event, then seals the proof.
 * The store's part: the head compare-and-set (the stored head still equals
 * `expectedHead`, atomically with the insert), all-or-nothing batches, single
 * use of `takePendingOptIn` and `consumeNonce`.
 */
export interface ConsentOperations {
  getLedgerHead(subjectId: string): Promise<LedgerHead | undefined>;
  /**
   * Appends events continuing `expectedHead`. Throws STORE_CONFLICT
   * (retryable) when the stored head is no longer `expectedHead` (another
   * writer won), SUBJECT_NOT_FOUND for an unknown subject; writes nothing then.
   * The continuity and hashes of `events` are checked by core before the call.
   */
  appendConsentEvents(
    subjectId: string,
    expectedHead: LedgerHead | undefined,
    events: readonly ConsentEvent[],
  ): Promise<void>;
  listConsentEvents(subjectId: string, options?: ListOptions): Promise<ConsentEvent[]>;
  /** Events of several subjects, ordered by subject then seq. */
  listConsentEventsForSubjects(subjectIds: readonly string[]): Promise<ConsentEvent[]>;

  putNotice(notice: NoticeRecord): Promise<void>;
  getNotice(hash: string): Promise<NoticeRecord | undefined>;

  putPendingOptIn(pending: PendingOptIn): Promise<void>;
  getPendingOptIn(id: string): Promise<PendingOptIn | undefined>;
  /**
   * Deletes and returns the pending opt-in in one atomic step: of concurrent
   * callers exactly one gets it, the others get undefined (single use).
   */
  takePendingOptIn(id: string): Promise<PendingOptIn | undefined>;
  /** Pending opt-ins with `expiresAt <= now`, oldest first, at most `limit`. */
  listExpiredPendingOptIns(now: Date, limit: number): Promise<PendingOptIn[]>;

  /** Records a single-use nonce; false when it was already used. */
  consumeNonce(nonce: string, expiresAt: Date): Promise<boolean>;
  /** Forgets nonces whose `expiresAt <= now` (their tokens fail on expiry anyway). */
  purgeExpiredNonces(now: Date): Promise<number>;
}

/**
 * The suppression list, keyed by a keyed hash: it never holds an address
 * (REQ-28). Store rules: `addSuppression` is idempotent and never weakens an entry.
 */
export interface SuppressionOperations {
  /**
   * Adds the entry, or replaces one with a weaker reason (erased > hard-bounce = complaint =
   * manual > unsubscribed-all); returns false when it kept the existing entry.
   */
  addSuppression(entry: SuppressionEntry): Promise<boolean>;
  getSuppression(hash: string): Promise<SuppressionEntry | undefined>;
  removeSuppression(hash: string): Promise<boolean>;
  getSuppressions(hashes: readonly string[]): Promise<SuppressionEntry[]>;
}

/**
 * The audience scan of a campaign: subjects read with their ledgers.
 * A superset is fine; the policy in core makes the final call.
 */
export interface AudienceOperations {
  /**
   * Subjects that may be in the audience of a purpose, ordered by id, at most
   * `limit`: a page of a scan that never holds the whole table in memory.
   */
  listAudienceCandidates(query: AudienceQuery): Promise<SubjectRecord[]>;
}

/**
 * Segments (issue #22): the lists and tags a contact is on, kept in the clear
 * (non-identifying targeting facts, docs/security.md) so that a store can
 * select an audience segment without opening anyone's sealed data. Store
 * rule: `listAudienceCandidates` with a `segment` returns at least every
 * candidate the reference evaluator (`matchesSegment`) keeps; the SQL stores
 * return exactly those (conformance part `segments`, opt-out
 * `capabilities.segments: false`).
 */
export interface SegmentOperations {
  /**
   * Replaces the contact's segments and/or tags (`profile.contact`), leaving
   * the rest of the profile as it is; false when the subject is unknown.
   */
  setSubjectSegments(id: string, change: SegmentChange, at: Date): Promise<boolean>;
}

/**
 * The append-only, hash-chained audit log (REQ-32).
 *
 * Core's part: before `appendAudit`/`appendAuditEntries` reach the store,
 * core checks that a run is consecutive (seq + 1, prevHash = previous hash)
 * and recomputes every entry's hash. The store's part: the head
 * compare-and-set (the first entry continues the stored head, atomically with
 * the insert and the head move), the audit lock taken by `getAuditHead` inside
 * a transaction, and keeping the head apart from the rows so a deleted tail
 * shows. No store method edits or removes an entry.
 */
export interface AuditOperations {
  /**
   * The last audit entry. Inside a transaction, reading it also takes the
   * audit lock until commit, so appends from concurrent transactions queue
   * instead of forking the chain.
   */
  getAuditHead(): Promise<AuditHead | undefined>;
  /**
   * Appends one entry that continues the head (seq + 1, prevHash = head hash).
   * Throws STORE_CONFLICT (retryable) when the head moved; writes nothing then.
   * The log is append-only: no store method edits or removes an entry.
   */
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * Several entries in one write; the first continues the head (same
   * compare-and-set as `appendAudit`), the rest continue each other (checked
   * by core before the call). All or nothing.
   */
  appendAuditEntries(entries: readonly AuditEntry[]): Promise<void>;
  /** Entries with `seq > afterSeq`, in seq order, at most `limit`. */
  listAudit(afterSeq: number, limit: number): Promise<AuditEntry[]>;
}

/**
 * Deliveries: the idempotency records of the send pipeline. They hold no
 * address. Store rules: claims, starts and settles are atomic compare-and-sets
 * (of concurrent claimers one wins; only the holder of the message id moves a
 * record on).
 */
export interface DeliveryOperations {
  /**
   * Claims the record's idempotency key: inserts it as given (status `claimed`),
   * or takes over an existing record that failed retryably. Otherwise returns
   * the existing record untouched. Atomic: of concurrent claimers one wins.
   */
  claimDelivery(record: DeliveryRecord): Promise<DeliveryClaim>;
  /** Records the outcome of a claimed delivery. */
  updateDelivery(
    idempotencyKey: string,
    update: Omit<DeliveryUpdate, 'idempotencyKey'>,
  ): Promise<void>;
  getDelivery(idempotencyKey: string): Promise<DeliveryRecord | undefined>;
  /** `claimDelivery` for many keys in one round trip; one claim per record, in order. */
  claimDeliveries(
    records: readonly DeliveryRecord[],
    options?: ClaimOptions,
  ): Promise<DeliveryClaim[]>;
  /**
   * Moves records from `claimed` to `sending` right before they are handed to a
   * transport, only where the status is still `claimed` and the message id is
   * the caller's (compare-and-set). Returns the keys that moved: only those
   * may be sent. Atomic per record.
   */
  startDeliveries(starts: readonly DeliveryStart[], at: Date): Promise<string[]>;
  /** `updateDelivery` for many keys in one round trip. */
  updateDeliveries(updates: readonly DeliveryUpdate[]): Promise<void>;
  /**
   * Moves records from `sending` or `ambiguous` to the given outcome where the
   * message id is still the caller's (compare-and-set, like `startDeliveries`).
   * Returns the keys that moved. Attempts and creation time are kept.
   */
  settleDeliveries(settles: readonly DeliverySettle[]): Promise<string[]>;
  /** A campaign's deliveries (optionally of one status) in idempotency-key order, a page at a time. */
  listCampaignDeliveries(query: CampaignDeliveryQuery): Promise<DeliveryRecord[]>;
  /** A subject's deliveries in idempotency-key order, a page at a time. */
  listDeliveries(query: {
    subjectId: string;
    afterKey?: string;
    limit: number;
  }): Promise<DeliveryRecord[]>;
}

/**
 * Data subject access requests (Art. 12-22). Store rule: optimistic
 * versioning (`expectedVersion` compare-and-set).
 */
export interface DsarOperations {
  /** Same optimistic versioning as `putBreach`. */
  putDsarRequest(request: DsarRequest, expectedVersion: number): Promise<void>;
  getDsarRequest(id: string): Promise<DsarRequest | undefined>;
  /**
   * Requests by their deadline (`extendedDueAt` when extended, else `dueAt`),
   * soonest first, ties by id. `after` is a keyset cursor: the page continues
   * strictly after that (deadline, id), so a list is read a page at a time,
   * never whole (the console's request list).
   */
  listDsarRequests(query: DsarListQuery): Promise<DsarRequest[]>;
}

/** Where a page of DSAR requests continues: the deadline and id of the last one read. */
export interface DsarCursor {
  /** The request's deadline: `extendedDueAt` when extended, else `dueAt`. */
  dueAt: Date;
  id: string;
}

export interface DsarListQuery {
  status?: readonly DsarStatus[];
  dueBefore?: Date;
  subjectId?: string;
  /** Continue after this request (keyset pagination). */
  after?: DsarCursor;
  limit: number;
}

/** Where a page of breaches continues: the awareAt and id of the last one read. */
export interface BreachCursor {
  awareAt: Date;
  id: string;
}

export interface BreachListQuery {
  status?: 'open' | 'closed';
  /** Continue after this incident (keyset pagination). */
  after?: BreachCursor;
  limit: number;
}

/**
 * Documents kept for accountability: breach incidents (Art. 33-34). Store
 * rule: optimistic versioning (`expectedVersion` compare-and-set).
 */
export interface DocumentOperations {
  /**
   * Inserts (expectedVersion 0) or replaces the incident whose stored version is
   * `expectedVersion`; STORE_CONFLICT when another writer got there first.
   */
  putBreach(incident: BreachIncident, expectedVersion: number): Promise<void>;
  getBreach(id: string): Promise<BreachIncident | undefined>;
  /**
   * Incidents by awareAt, newest first, ties by id descending; `after` is a
   * keyset cursor (the page continues strictly after that incident).
   */
  listBreaches(options: BreachListQuery): Promise<BreachIncident[]>;
}

/**
 * The outbox (issue #19): deferred work of the public routes, sealed by core.
 * Store rules: a claim is atomic (of concurrent claimers each item goes to
 * one); complete and release only while the caller still holds the lease.
 */
export interface OutboxOperations {
  /** Stores a new outbox item (unleased). */
  enqueueOutbox(item: OutboxItem): Promise<void>;
  /**
   * Leases up to `limit` items to `owner`, oldest `availableAt` first: items
   * available at `now` that no one holds, or whose lease ended (their drainer
   * crashed or stalled: taken over). Adds one to each item's `attempts`.
   * Atomic: of concurrent claimers each item goes to one.
   */
  claimOutbox(query: OutboxClaimQuery): Promise<OutboxItem[]>;
  /** Deletes the item, if `owner` still holds it; false when it does not (taken over). */
  completeOutbox(id: string, owner: string): Promise<boolean>;
  /** Ends `owner`'s lease and sets when the item may be claimed again; false when not held. */
  releaseOutbox(id: string, owner: string, release: OutboxRelease): Promise<boolean>;
  /** Every item, oldest first, at most `limit` (operations, tests). */
  listOutbox(limit: number): Promise<OutboxItem[]>;
}

/** One import batch's writes, handed to a store in one call (`ImportOperations`). */
export interface ImportBatchWrite {
  /** When the batch is written: `updated_at` of every changed row. */
  at: Date;
  /** New subjects. The whole call is refused (STORE_CONFLICT, retryable) if one's email hash exists. */
  created: SubjectRecord[];
  /** New profiles of existing subjects. */
  updated: Array<{ id: string; profile: SubjectProfile }>;
  /** Events per subject, continuing `expectedHead` (a compare-and-set, as `appendConsentEvents`). */
  events: Array<{
    subjectId: string;
    expectedHead: LedgerHead | undefined;
    events: ConsentEvent[];
  }>;
}

/**
 * Optional capability of stores that can write a whole import batch with a
 * few set-based statements (the SQL stores: COPY into staging tables, then
 * one statement per table). The import service uses it when present and
 * writes row by row otherwise. Atomic within the transaction it runs in.
 */
export interface ImportOperations {
  writeImportBatch?(batch: ImportBatchWrite): Promise<void>;
}

/**
 * The operations every store offers, inside or outside a transaction: every
 * aggregate's part. Methods that write more than one row are atomic on their own.
 */
export interface StoreOperations
  extends SubjectOperations,
    ConsentOperations,
    SuppressionOperations,
    AudienceOperations,
    SegmentOperations,
    AuditOperations,
    DeliveryOperations,
    DsarOperations,
    DocumentOperations,
    OutboxOperations,
    ImportOperations {}

/** The part of a subject row a send decision reads. */
export type SendFactsSubject = Pick<SubjectRecord, 'id' | 'profile'>;

/**
 * What one send decision reads about an address (see `GdprStore.readSendFacts`):
 * the subject's id and the clear fields of its profile. Through the encrypting
 * store these are the stored rows as they are, unopened: the address is not
 * there, sealed profile leaves stay in their blob and a proof's IP and user
 * agent stay sealed (no decision reads them). Read a subject with
 * `findSubjectByEmailHash` for anything else.
 */
export interface SendFacts {
  subject: SendFactsSubject | undefined;
  events: readonly ConsentEvent[];
  suppression: SuppressionEntry | undefined;
}

export interface GdprStore extends StoreOperations {
  readonly kind: string;
  /**
   * Optional fast path of `canSend`: the subject with this email hash, its
   * ledger and the suppression entry of this hash, in one call. The records are
   * READ-ONLY views (a store may hand out what it holds, uncopied). Stores
   * without it are read with `findSubjectByEmailHash`, `getSuppression` and
   * `listConsentEvents`; the decision is the same.
   */
  readSendFacts?(emailHash: string, suppressionHash: string): Promise<SendFacts>;
  /**
   * Optional fast path of keyset scans (retention): the events of every
   * subject whose id sorts in (`afterId`, `lastId`] — the order of
   * `listSubjects` — ordered by subject then seq. One index range instead of a
   * list of ids; a subject created in the range since the page was read may
   * appear too, so callers keep only the subjects of their page.
   */
  listConsentEventsInRange?(range: { afterId?: string; lastId: string }): Promise<ConsentEvent[]>;
  /**
   * Optional fast path of one person's audit trail (the DSAR export): the
   * entries whose `subjectRef` is one of `refs`, with `seq > afterSeq`, in seq
   * order, at most `limit` — read through an index on the reference instead
   * of a scan of the whole log, which grows by an entry a message sent. Stores
   * without it are read with `listAudit` and filtered (`gdpr.audit.entries({
   * subjectRefs })` does either); the entries are the same.
   */
  listAuditForSubjects?(
    refs: readonly string[],
    afterSeq: number,
    limit: number,
  ): Promise<AuditEntry[]>;
  /**
   * Runs `work` atomically: if it throws, nothing it wrote stays. Transactions
   * touching the same subject are serialised.
   */
  transaction<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function isGdprStore(value: unknown): value is GdprStore {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof GdprStore, unknown>>;
  return (
    typeof candidate.transaction === 'function' &&
    typeof candidate.appendConsentEvents === 'function' &&
    typeof candidate.addSuppression === 'function' &&
    typeof candidate.appendAudit === 'function' &&
    typeof candidate.close === 'function'
  );
}
