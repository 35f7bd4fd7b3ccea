import type { AuditEntry, AuditHead } from '../audit/audit-entry.js';
import type { BreachIncident } from '../breaches/breach-incident.js';
import type { ConsentEvent, LedgerHead } from '../consent/consent-event.js';
import { ALL_PURPOSES } from '../consent/consent-event.js';
import type { DsarRequest } from '../dsar/dsar-request.js';
import { dsarDeadline } from '../dsar/dsar-request.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { matchesSegment } from '../segments/match-segment.js';
import { checkSegmentChange } from '../segments/segment-filter.js';
import { outranks } from '../suppression/suppression-strength.js';
import { AsyncMutex } from './async-mutex.js';
import { cloneRecord } from './clone-record.js';
import type {
  AudienceQuery,
  BreachListQuery,
  CampaignDeliveryQuery,
  ClaimOptions,
  DeliveryClaim,
  DeliveryRecord,
  DeliverySettle,
  DeliveryStart,
  DeliveryUpdate,
  DsarListQuery,
  GdprStore,
  ListOptions,
  NoticeRecord,
  OutboxClaimQuery,
  OutboxItem,
  OutboxRelease,
  PendingOptIn,
  SegmentChange,
  SendFacts,
  StoreOperations,
  SubjectDataKeyChange,
  SubjectProfile,
  SubjectRecord,
  SuppressionEntry,
} from './store-types.js';

interface MemoryState {
  subjects: Map<string, SubjectRecord>;
  subjectIdByEmailHash: Map<string, string>;
  ledgers: Map<string, ConsentEvent[]>;
  notices: Map<string, NoticeRecord>;
  suppression: Map<string, SuppressionEntry>;
  pendingOptIns: Map<string, PendingOptIn>;
  nonces: Map<string, Date>;
  /** Keyed by seq; the head is kept apart so a removed last entry is noticed. */
  audit: Map<number, AuditEntry>;
  auditHead: AuditHead | undefined;
  breaches: Map<string, BreachIncident>;
  dsarRequests: Map<string, DsarRequest>;
  deliveries: Map<string, DeliveryRecord>;
  outbox: Map<string, OutboxItem>;
}

function emptyState(): MemoryState {
  return {
    subjects: new Map(),
    subjectIdByEmailHash: new Map(),
    ledgers: new Map(),
    notices: new Map(),
    suppression: new Map(),
    pendingOptIns: new Map(),
    nonces: new Map(),
    audit: new Map(),
    auditHead: undefined,
    breaches: new Map(),
    dsarRequests: new Map(),
    deliveries: new Map(),
    outbox: new Map(),
  };
}

/**
 * A copy of the maps, sharing their records: operations never mutate a stored
 * record in place (they store a new one), so the committed state cannot see
 * the transaction's writes, and a transaction costs O(entries), not a deep copy.
 */
function copyState(state: MemoryState): MemoryState {
  const copy = { ...state };
  for (const key of Object.keys(copy) as (keyof MemoryState)[]) {
    const value = copy[key];
    if (value instanceof Map) {
      (copy as Record<string, unknown>)[key] = new Map(value as Map<unknown, unknown>);
    }
  }
  return copy;
}

/**
 * An in-memory store for tests and demos. Records are cloned on the way in and
 * out, so a caller can never change stored state by mutating an object.
 */
const NO_EVENTS: readonly ConsentEvent[] = Object.freeze([]);

export class MemoryStore implements GdprStore {
  readonly kind = 'memory';
  private state: MemoryState = emptyState();
  private readonly mutex = new AsyncMutex();
  private readonly ops: StoreOperations = createOperations(() => this.state);

  transaction<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T> {
    // Work on a copy and publish it on success: readers outside the
    // transaction only ever see committed state, and a throw discards it all.
    return this.mutex.run(async () => {
      const working = copyState(this.state);
      const result = await work(createOperations(() => working));
      this.state = working;
      return result;
    });
  }

  /** A JSON dump of everything stored: lets tests prove what is (not) kept in clear. */
  dump(): string {
    return JSON.stringify(
      Object.fromEntries(
        Object.entries(this.state).map(([k, v]) => [k, v instanceof Map ? [...v.entries()] : v]),
      ),
    );
  }

  async close(): Promise<void> {}

  /**
   * No copies: committed state is never edited in place (a transaction
   * publishes new maps, updates store new records), and the policy only reads.
   */
  async readSendFacts(emailHash: string, suppressionHash: string): Promise<SendFacts> {
    const s = this.state;
    const id = s.subjectIdByEmailHash.get(emailHash);
    const subject = id === undefined ? undefined : s.subjects.get(id);
    return {
      subject,
      events: (subject && s.ledgers.get(subject.id)) || NO_EVENTS,
      suppression: s.suppression.get(suppressionHash),
    };
  }

  createSubject(subject: SubjectRecord) {
    return this.transaction((tx) => tx.createSubject(subject));
  }
  findSubjectByEmailHash(emailHash: string) {
    return this.ops.findSubjectByEmailHash(emailHash);
  }
  getSubject(id: string) {
    return this.ops.getSubject(id);
  }
  updateSubjectProfile(id: string, profile: SubjectProfile, at: Date) {
    return this.transaction((tx) => tx.updateSubjectProfile(id, profile, at));
  }
  deleteSubject(id: string) {
    return this.transaction((tx) => tx.deleteSubject(id));
  }
  deleteSubjects(ids: readonly string[]) {
    return this.transaction((tx) => tx.deleteSubjects(ids));
  }
  replaceSubjectDataKeys(changes: readonly SubjectDataKeyChange[]) {
    return this.transaction((tx) => tx.replaceSubjectDataKeys(changes));
  }
  putPendingOptIn(pending: PendingOptIn) {
    return this.transaction((tx) => tx.putPendingOptIn(pending));
  }
  getPendingOptIn(id: string) {
    return this.ops.getPendingOptIn(id);
  }
  takePendingOptIn(id: string) {
    return this.transaction((tx) => tx.takePendingOptIn(id));
  }
  listExpiredPendingOptIns(now: Date, limit: number) {
    return this.ops.listExpiredPendingOptIns(now, limit);
  }
  consumeNonce(nonce: string, expiresAt: Date) {
    return this.transaction((tx) => tx.consumeNonce(nonce, expiresAt));
  }
  purgeExpiredNonces(now: Date) {
    return this.transaction((tx) => tx.purgeExpiredNonces(now));
  }
  getLedgerHead(subjectId: string) {
    return this.ops.getLedgerHead(subjectId);
  }
  appendConsentEvents(
    subjectId: string,
    expectedHead: LedgerHead | undefined,
    events: readonly ConsentEvent[],
  ) {
    return this.transaction((tx) => tx.appendConsentEvents(subjectId, expectedHead, events));
  }
  listConsentEvents(subjectId: string, options?: ListOptions) {
    return this.ops.listConsentEvents(subjectId, options);
  }
  putNotice(notice: NoticeRecord) {
    return this.transaction((tx) => tx.putNotice(notice));
  }
  getNotice(hash: string) {
    return this.ops.getNotice(hash);
  }
  addSuppression(entry: SuppressionEntry) {
    return this.transaction((tx) => tx.addSuppression(entry));
  }
  getSuppression(hash: string) {
    return this.ops.getSuppression(hash);
  }
  removeSuppression(hash: string) {
    return this.transaction((tx) => tx.removeSuppression(hash));
  }
  listAudienceCandidates(query: AudienceQuery) {
    return this.ops.listAudienceCandidates(query);
  }
  setSubjectSegments(id: string, change: SegmentChange, at: Date) {
    return this.transaction((tx) => tx.setSubjectSegments(id, change, at));
  }
  getAuditHead() {
    return this.ops.getAuditHead();
  }
  appendAudit(entry: AuditEntry) {
    return this.transaction((tx) => tx.appendAudit(entry));
  }
  appendAuditEntries(entries: readonly AuditEntry[]) {
    return this.transaction((tx) => tx.appendAuditEntries(entries));
  }
  claimDeliveries(records: readonly DeliveryRecord[], options?: ClaimOptions) {
    return this.transaction((tx) => tx.claimDeliveries(records, options));
  }
  startDeliveries(starts: readonly DeliveryStart[], at: Date) {
    return this.transaction((tx) => tx.startDeliveries(starts, at));
  }
  updateDeliveries(updates: readonly DeliveryUpdate[]) {
    return this.transaction((tx) => tx.updateDeliveries(updates));
  }
  settleDeliveries(settles: readonly DeliverySettle[]) {
    return this.transaction((tx) => tx.settleDeliveries(settles));
  }
  listSubjects(query: { afterId?: string; limit: number }) {
    return this.ops.listSubjects(query);
  }
  findSubjectsByEmailHashes(emailHashes: readonly string[]) {
    return this.ops.findSubjectsByEmailHashes(emailHashes);
  }
  findSubjectsByAttribute(name: string, values: readonly string[]) {
    return this.ops.findSubjectsByAttribute(name, values);
  }
  getSuppressions(hashes: readonly string[]) {
    return this.ops.getSuppressions(hashes);
  }
  listConsentEventsForSubjects(subjectIds: readonly string[]) {
    return this.ops.listConsentEventsForSubjects(subjectIds);
  }
  listAudit(afterSeq: number, limit: number) {
    return this.ops.listAudit(afterSeq, limit);
  }
  async listAuditForSubjects(refs: readonly string[], afterSeq: number, limit: number) {
    const wanted = new Set(refs);
    const found: AuditEntry[] = [];
    // Seqs run from 1 without gaps (REQ-32), so the log is walked in order from afterSeq.
    const { audit } = this.state;
    for (let seq = Math.max(0, Math.floor(afterSeq)) + 1; found.length < limit; seq += 1) {
      const entry = audit.get(seq);
      if (!entry) break;
      if (entry.subjectRef !== undefined && wanted.has(entry.subjectRef)) {
        found.push(cloneRecord(entry));
      }
    }
    return found;
  }
  claimDelivery(record: DeliveryRecord) {
    return this.transaction((tx) => tx.claimDelivery(record));
  }
  updateDelivery(idempotencyKey: string, update: Parameters<StoreOperations['updateDelivery']>[1]) {
    return this.transaction((tx) => tx.updateDelivery(idempotencyKey, update));
  }
  getDelivery(idempotencyKey: string) {
    return this.ops.getDelivery(idempotencyKey);
  }
  listDeliveries(query: { subjectId: string; afterKey?: string; limit: number }) {
    return this.ops.listDeliveries(query);
  }
  listCampaignDeliveries(query: CampaignDeliveryQuery) {
    return this.ops.listCampaignDeliveries(query);
  }
  putDsarRequest(request: DsarRequest, expectedVersion: number) {
    return this.transaction((tx) => tx.putDsarRequest(request, expectedVersion));
  }
  getDsarRequest(id: string) {
    return this.ops.getDsarRequest(id);
  }
  listDsarRequests(query: DsarListQuery) {
    return this.ops.listDsarRequests(query);
  }
  putBreach(incident: BreachIncident, expectedVersion: number) {
    return this.transaction((tx) => tx.putBreach(incident, expectedVersion));
  }
  getBreach(id: string) {
    return this.ops.getBreach(id);
  }
  listBreaches(options: BreachListQuery) {
    return this.ops.listBreaches(options);
  }
  enqueueOutbox(item: OutboxItem) {
    return this.transaction((tx) => tx.enqueueOutbox(item));
  }
  claimOutbox(query: OutboxClaimQuery) {
    return this.transaction((tx) => tx.claimOutbox(query));
  }
  completeOutbox(id: string, owner: string) {
    return this.transaction((tx) => tx.completeOutbox(id, owner));
  }
  releaseOutbox(id: string, owner: string, release: OutboxRelease) {
    return this.transaction((tx) => tx.releaseOutbox(id, owner, release));
  }
  listOutbox(limit: number) {
    return this.ops.listOutbox(limit);
  }
}

const STATUS_CHANGING = new Set(['granted', 'confirmed', 'withdrawn', 'objected', 'expired']);

/** Mirrors the SQL stores' candidate rule (see AudienceQuery). */
function isConsentCandidate(ledger: readonly ConsentEvent[], purposeId: string): boolean {
  for (let i = ledger.length - 1; i >= 0; i -= 1) {
    const event = ledger[i]!;
    if (event.purposeId !== purposeId && event.purposeId !== ALL_PURPOSES) continue;
    if (!STATUS_CHANGING.has(event.type)) continue;
    return event.type === 'granted' || event.type === 'confirmed';
  }
  return false;
}

function createOperations(state: () => MemoryState): StoreOperations {
  /** Insert, or take over a retryable failure or (with the option) a stale `claimed` record. */
  function claimOne(record: DeliveryRecord, options: ClaimOptions): DeliveryClaim {
    const s = state();
    const existing = s.deliveries.get(record.idempotencyKey);
    const before = options.reclaimClaimedBefore;
    const takeOver =
      existing === undefined ||
      (existing.status === 'failed' && existing.retryable) ||
      (existing.status === 'claimed' && before !== undefined && existing.updatedAt < before);
    if (!takeOver) return { claimed: false, existing: cloneRecord(existing) };
    s.deliveries.set(record.idempotencyKey, {
      ...cloneRecord(record),
      ...(existing
        ? { createdAt: existing.createdAt, attempts: existing.attempts + record.attempts }
        : {}),
    });
    return { claimed: true };
  }

  const ops: StoreOperations = {
    async createSubject(subject) {
      const s = state();
      const existingId = s.subjectIdByEmailHash.get(subject.emailHash);
      const existing = existingId === undefined ? undefined : s.subjects.get(existingId);
      if (existing) return cloneRecord(existing);
      if (s.subjects.has(subject.id)) {
        throw new GdprMailError('STORE_CONFLICT', `Subject id ${subject.id} already exists.`);
      }
      s.subjects.set(subject.id, cloneRecord(subject));
      s.subjectIdByEmailHash.set(subject.emailHash, subject.id);
      return cloneRecord(subject);
    },
    async findSubjectByEmailHash(emailHash) {
      const s = state();
      const id = s.subjectIdByEmailHash.get(emailHash);
      const found = id === undefined ? undefined : s.subjects.get(id);
      return found && cloneRecord(found);
    },
    async getSubject(id) {
      const found = state().subjects.get(id);
      return found && cloneRecord(found);
    },
    async updateSubjectProfile(id, profile, at) {
      const s = state();
      const found = s.subjects.get(id);
      if (!found) throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${id}.`);
      const updated = { ...found, profile: cloneRecord(profile), updatedAt: new Date(at) };
      s.subjects.set(id, updated);
      return cloneRecord(updated);
    },
    async deleteSubject(id) {
      const s = state();
      const found = s.subjects.get(id);
      if (!found) return false;
      s.subjects.delete(id);
      s.subjectIdByEmailHash.delete(found.emailHash);
      s.ledgers.delete(id);
      for (const [key, delivery] of s.deliveries) {
        if (delivery.subjectId === id) s.deliveries.delete(key);
      }
      for (const [key, pending] of s.pendingOptIns) {
        if (pending.subjectId === id) s.pendingOptIns.delete(key);
      }
      return true;
    },
    async putPendingOptIn(pending) {
      const s = state();
      if (!s.subjects.has(pending.subjectId)) {
        throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${pending.subjectId}.`);
      }
      if (s.pendingOptIns.has(pending.id)) {
        throw new GdprMailError('STORE_CONFLICT', `Pending opt-in ${pending.id} already exists.`);
      }
      s.pendingOptIns.set(pending.id, cloneRecord(pending));
    },
    async getPendingOptIn(id) {
      const found = state().pendingOptIns.get(id);
      return found && cloneRecord(found);
    },
    async takePendingOptIn(id) {
      const s = state();
      const found = s.pendingOptIns.get(id);
      s.pendingOptIns.delete(id);
      return found && cloneRecord(found);
    },
    async listExpiredPendingOptIns(now, limit) {
      return cloneRecord(
        [...state().pendingOptIns.values()]
          .filter((p) => p.expiresAt <= now)
          .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
          .slice(0, limit),
      );
    },
    async consumeNonce(nonce, expiresAt) {
      const s = state();
      if (s.nonces.has(nonce)) return false;
      s.nonces.set(nonce, new Date(expiresAt));
      return true;
    },
    async purgeExpiredNonces(now) {
      const s = state();
      let purged = 0;
      for (const [nonce, expiresAt] of s.nonces) {
        if (expiresAt <= now) {
          s.nonces.delete(nonce);
          purged += 1;
        }
      }
      return purged;
    },
    async getLedgerHead(subjectId) {
      const last = state().ledgers.get(subjectId)?.at(-1);
      return last && { seq: last.seq, hash: last.hash };
    },
    async appendConsentEvents(subjectId, expectedHead, events) {
      const s = state();
      if (!s.subjects.has(subjectId)) {
        throw new GdprMailError('SUBJECT_NOT_FOUND', `No subject ${subjectId}.`);
      }
      const ledger = s.ledgers.get(subjectId) ?? [];
      const last = ledger.at(-1);
      if (last?.hash !== expectedHead?.hash || last?.seq !== expectedHead?.seq) {
        throw new GdprMailError('STORE_CONFLICT', 'The consent ledger moved; retry.', {
          retryable: true,
        });
      }
      // Only the head compare-and-set is the store's: core checked the batch's
      // links and hashes before the call (integrity-checks.ts).
      s.ledgers.set(subjectId, [...ledger, ...events.map((e) => cloneRecord(e))]);
    },
    async listConsentEvents(subjectId, options) {
      const ledger = state().ledgers.get(subjectId) ?? [];
      const purposeId = options?.purposeId;
      return cloneRecord(
        purposeId === undefined ? ledger : ledger.filter((e) => e.purposeId === purposeId),
      );
    },
    async putNotice(notice) {
      const s = state();
      if (!s.notices.has(notice.hash)) s.notices.set(notice.hash, cloneRecord(notice));
    },
    async getNotice(hash) {
      const found = state().notices.get(hash);
      return found && cloneRecord(found);
    },
    async addSuppression(entry) {
      const s = state();
      const current = s.suppression.get(entry.hash);
      // A stronger reason replaces a weaker one (a bounce after an unsubscribe
      // must stop transactional mail too); anything else keeps the first entry.
      if (current && !outranks(entry.reason, current.reason)) return false;
      s.suppression.set(entry.hash, cloneRecord(entry));
      return true;
    },
    async getSuppression(hash) {
      const found = state().suppression.get(hash);
      return found && cloneRecord(found);
    },
    async removeSuppression(hash) {
      return state().suppression.delete(hash);
    },
    async listAudienceCandidates(query) {
      const s = state();
      const after = query.afterSubjectId;
      const page: SubjectRecord[] = [];
      for (const id of [...s.subjects.keys()].sort()) {
        if (page.length >= query.limit) break;
        if (after !== undefined && id <= after) continue;
        if (query.untilSubjectId !== undefined && id > query.untilSubjectId) break;
        const ledger = s.ledgers.get(id) ?? [];
        if (query.consentRequired && !isConsentCandidate(ledger, query.purposeId)) {
          continue;
        }
        const subject = s.subjects.get(id)!;
        if (
          query.segment &&
          !matchesSegment(query.segment, subject.profile, ledger, query.purposeId)
        ) {
          continue;
        }
        page.push(cloneRecord(subject));
      }
      return page;
    },
    async setSubjectSegments(id, change, at) {
      checkSegmentChange(change);
      const s = state();
      const found = s.subjects.get(id);
      if (!found) return false;
      const profile = cloneRecord(found.profile);
      profile.contact = {
        ...(profile.contact ?? { segments: [], sources: [] }),
        ...(change.segments === undefined ? {} : { segments: [...change.segments] }),
        ...(change.tags === undefined ? {} : { tags: [...change.tags] }),
      };
      s.subjects.set(id, { ...found, profile, updatedAt: new Date(at) });
      return true;
    },
    async getAuditHead() {
      const head = state().auditHead;
      return head && { ...head };
    },
    async appendAudit(entry) {
      return ops.appendAuditEntries([entry]);
    },
    async listAudit(afterSeq, limit) {
      const s = state();
      return [...s.audit.values()]
        .filter((e) => e.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit)
        .map((e) => cloneRecord(e));
    },
    async claimDelivery(record) {
      return claimOne(record, {});
    },
    async startDeliveries(starts, at) {
      const started: string[] = [];
      for (const { idempotencyKey, messageId } of starts) {
        const found = state().deliveries.get(idempotencyKey);
        if (found?.status !== 'claimed' || found.messageId !== messageId) continue;
        found.status = 'sending';
        found.updatedAt = new Date(at);
        started.push(idempotencyKey);
      }
      return started;
    },
    async settleDeliveries(settles) {
      const settled: string[] = [];
      for (const { idempotencyKey, messageId, ...outcome } of settles) {
        const { deliveries } = state();
        const found = deliveries.get(idempotencyKey);
        if (!found || found.messageId !== messageId) continue;
        if (found.status !== 'sending' && found.status !== 'ambiguous') continue;
        deliveries.set(idempotencyKey, { ...found, ...cloneRecord(outcome) });
        settled.push(idempotencyKey);
      }
      return settled;
    },
    async updateDelivery(idempotencyKey, update) {
      const s = state();
      const found = s.deliveries.get(idempotencyKey);
      if (!found)
        throw new GdprMailError('STORE_FAILURE', `No delivery ${idempotencyKey} to update.`);
      s.deliveries.set(idempotencyKey, { ...found, ...cloneRecord(update) });
    },
    async getDelivery(idempotencyKey) {
      const found = state().deliveries.get(idempotencyKey);
      return found && cloneRecord(found);
    },
    async listCampaignDeliveries({ campaignId, status, afterKey, limit }) {
      return cloneRecord(
        [...state().deliveries.values()]
          .filter(
            (d) =>
              d.campaignId === campaignId &&
              (status === undefined || d.status === status) &&
              (afterKey === undefined || d.idempotencyKey > afterKey),
          )
          .sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1))
          .slice(0, limit),
      );
    },
    async listDeliveries({ subjectId, afterKey, limit }) {
      return cloneRecord(
        [...state().deliveries.values()]
          .filter(
            (d) =>
              d.subjectId === subjectId && (afterKey === undefined || d.idempotencyKey > afterKey),
          )
          .sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1))
          .slice(0, limit),
      );
    },
    async putDsarRequest(request, expectedVersion) {
      const s = state();
      const current = s.dsarRequests.get(request.id)?.version ?? 0;
      if (current !== expectedVersion || request.version !== expectedVersion + 1) {
        throw new GdprMailError(
          'STORE_CONFLICT',
          `Request ${request.id} changed meanwhile; reload it.`,
          {
            retryable: true,
          },
        );
      }
      s.dsarRequests.set(request.id, cloneRecord(request));
    },
    async getDsarRequest(id) {
      const found = state().dsarRequests.get(id);
      return found && cloneRecord(found);
    },
    async listDsarRequests({ status, dueBefore, subjectId, after, limit }) {
      const due = (r: DsarRequest) => dsarDeadline(r).getTime();
      const afterCursor = (r: DsarRequest) =>
        !after ||
        due(r) > after.dueAt.getTime() ||
        (due(r) === after.dueAt.getTime() && r.id > after.id);
      return [...state().dsarRequests.values()]
        .filter(
          (r) =>
            (!status || status.includes(r.status)) &&
            (!dueBefore || due(r) <= dueBefore.getTime()) &&
            (!subjectId || r.subjectId === subjectId) &&
            afterCursor(r),
        )
        .sort((a, b) => due(a) - due(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit)
        .map((r) => cloneRecord(r));
    },
    async enqueueOutbox(item) {
      const { outbox } = state();
      if (outbox.has(item.id)) {
        throw new GdprMailError('STORE_CONFLICT', `Outbox item ${item.id} exists already.`);
      }
      const { leaseOwner: _owner, leaseUntil: _until, ...rest } = item;
      outbox.set(item.id, cloneRecord(rest));
    },
    async claimOutbox({ now, leaseUntil, owner, limit }) {
      const { outbox } = state();
      const at = now.getTime();
      const claimed = [...outbox.values()]
        .filter(
          (i) =>
            i.availableAt.getTime() <= at &&
            (i.leaseUntil === undefined || i.leaseUntil.getTime() <= at),
        )
        .sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime() || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((i) => ({
          ...i,
          attempts: i.attempts + 1,
          leaseOwner: owner,
          leaseUntil: new Date(leaseUntil),
        }));
      // New records, never edits in place: the committed state stays untouched
      // until the transaction publishes its copy.
      for (const item of claimed) outbox.set(item.id, item);
      return cloneRecord(claimed);
    },
    async completeOutbox(id, owner) {
      const { outbox } = state();
      if (outbox.get(id)?.leaseOwner !== owner) return false;
      outbox.delete(id);
      return true;
    },
    async releaseOutbox(id, owner, { availableAt, lastError, payload }) {
      const { outbox } = state();
      const found = outbox.get(id);
      if (found?.leaseOwner !== owner) return false;
      const { leaseOwner: _owner, leaseUntil: _until, lastError: _last, ...rest } = found;
      outbox.set(id, {
        ...rest,
        availableAt: new Date(availableAt),
        ...(lastError === undefined ? {} : { lastError }),
        ...(payload === undefined ? {} : { payload }),
      });
      return true;
    },
    async listOutbox(limit) {
      return cloneRecord(
        [...state().outbox.values()]
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
          .slice(0, limit),
      );
    },
    async putBreach(incident, expectedVersion) {
      const s = state();
      const current = s.breaches.get(incident.id)?.version ?? 0;
      if (current !== expectedVersion || incident.version !== expectedVersion + 1) {
        throw new GdprMailError(
          'STORE_CONFLICT',
          `Breach ${incident.id} changed meanwhile; reload it.`,
          {
            retryable: true,
          },
        );
      }
      s.breaches.set(incident.id, cloneRecord(incident));
    },
    async getBreach(id) {
      const found = state().breaches.get(id);
      return found && cloneRecord(found);
    },
    async listBreaches({ status, after, limit }) {
      const before = (b: BreachIncident) =>
        !after ||
        b.awareAt.getTime() < after.awareAt.getTime() ||
        (b.awareAt.getTime() === after.awareAt.getTime() && b.id < after.id);
      return cloneRecord(
        [...state().breaches.values()]
          .filter((b) => (status === undefined || b.status === status) && before(b))
          .sort(
            (a, b) =>
              b.awareAt.getTime() - a.awareAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
          )
          .slice(0, limit),
      );
    },
    async replaceSubjectDataKeys(changes) {
      const s = state();
      const updated: string[] = [];
      for (const { id, expected, next } of changes) {
        const found = s.subjects.get(id);
        if (!found || found.dataKey !== expected) continue;
        s.subjects.set(id, { ...found, dataKey: next });
        updated.push(id);
      }
      return updated;
    },
    async deleteSubjects(ids) {
      let deleted = 0;
      for (const id of new Set(ids)) if (await ops.deleteSubject(id)) deleted += 1;
      return deleted;
    },
    async claimDeliveries(records, options = {}) {
      return records.map((record) => claimOne(record, options));
    },
    async updateDeliveries(updates) {
      for (const { idempotencyKey, ...update } of updates)
        await ops.updateDelivery(idempotencyKey, update);
    },
    async listSubjects({ afterId, limit }) {
      return [...state().subjects.values()]
        .filter((x) => afterId === undefined || x.id > afterId)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((x) => cloneRecord(x));
    },
    async findSubjectsByEmailHashes(emailHashes) {
      const found: SubjectRecord[] = [];
      for (const hash of new Set(emailHashes)) {
        const subject = await ops.findSubjectByEmailHash(hash);
        if (subject) found.push(subject);
      }
      return found;
    },
    async findSubjectsByAttribute(name, values) {
      if (values.length === 0) return [];
      const wanted = new Set(values);
      const found: SubjectRecord[] = [];
      for (const subject of state().subjects.values()) {
        const value = subject.profile.contact?.attributes?.[name];
        if (value !== undefined && wanted.has(value)) found.push(cloneRecord(subject));
      }
      return found;
    },
    async getSuppressions(hashes) {
      const found: SuppressionEntry[] = [];
      for (const hash of new Set(hashes)) {
        const entry = await ops.getSuppression(hash);
        if (entry) found.push(entry);
      }
      return found;
    },
    async listConsentEventsForSubjects(subjectIds) {
      const ids = [...new Set(subjectIds)].sort();
      const events: ConsentEvent[] = [];
      for (const id of ids) events.push(...(await ops.listConsentEvents(id)));
      return events;
    },
    async appendAuditEntries(entries) {
      const s = state();
      const first = entries[0];
      const last = entries.at(-1);
      if (!first || !last) return;
      // The head compare-and-set, once for the run: core checked that the
      // entries continue each other (integrity-checks.ts).
      const head = s.auditHead;
      if (first.seq !== (head?.seq ?? 0) + 1 || first.prevHash !== (head?.hash ?? null)) {
        throw new GdprMailError('STORE_CONFLICT', 'The audit log moved; retry.', {
          retryable: true,
        });
      }
      for (const entry of entries) s.audit.set(entry.seq, cloneRecord(entry));
      s.auditHead = { seq: last.seq, hash: last.hash };
    },
  };
  return ops;
}
