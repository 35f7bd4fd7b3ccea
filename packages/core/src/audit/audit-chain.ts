import { canonicalJson } from '../crypto/canonical-json.js';
import { sha256Hex } from '../crypto/hashing.js';
import { emitAfterCommit } from '../observability/after-commit.js';
import type { StoreOperations } from '../store/store-types.js';
import type { AuditDraft, AuditEntry, AuditVerification } from './audit-entry.js';

/*
 * Entries this module has just hashed, on their way to the store. Core checks every audit
 * append above the store (checkAuditAppend) by hashing each entry again, which is what
 * protects the chain from a caller of the store's own API; for an entry built here that
 * second hash is a repeat (a campaign appends one a message). Added right before the
 * append and taken out by the check, so an entry is trusted once, in the call it was
 * built for, and nothing but that call sits between the two.
 */
const freshlyHashed = new WeakSet<AuditEntry>();

/** Whether `entry` was hashed by this module for the append now checking it (once only). */
export function takeFreshlyHashed(entry: AuditEntry): boolean {
  return freshlyHashed.delete(entry);
}

export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: entry.seq,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subjectRef: entry.subjectRef,
      reason: entry.reason,
      details: entry.details,
      prevHash: entry.prevHash,
    }),
  );
}

/**
 * Chains one entry onto the log head. Call it inside the transaction that does
 * the action, so the action and its record commit or vanish together; stores
 * serialise audit appends from the head read on, so the chain never forks.
 */
/** Chains several drafts onto the head and appends them in one write (bulk sends). */
export async function appendAuditEntries(
  ops: StoreOperations,
  drafts: readonly AuditDraft[],
  at: Date,
): Promise<AuditEntry[]> {
  if (drafts.length === 0) return [];
  const head = await ops.getAuditHead();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? null;
  const entries = drafts.map((draft) => {
    seq += 1;
    const unhashed: Omit<AuditEntry, 'hash'> = {
      seq,
      at,
      actor: draft.actor,
      action: draft.action,
      details: draft.details ?? {},
      prevHash,
      ...(draft.subjectRef === undefined ? {} : { subjectRef: draft.subjectRef }),
      ...(draft.reason === undefined ? {} : { reason: draft.reason }),
    };
    const entry: AuditEntry = { ...unhashed, hash: hashAuditEntry(unhashed) };
    prevHash = entry.hash;
    return entry;
  });
  for (const entry of entries) freshlyHashed.add(entry);
  await ops.appendAuditEntries(entries);
  for (const entry of entries) announce(ops, entry);
  return entries;
}

/** The app hears of an audited action once it has committed (`gdpr.events`). */
function announce(ops: StoreOperations, entry: AuditEntry): void {
  emitAfterCommit(ops, 'audit.appended', () => entry);
  const details = entry.details as Record<string, unknown>;
  const purposeId = typeof details.purposeId === 'string' ? details.purposeId : '';
  const campaignId =
    typeof details.campaignId === 'string' ? { campaignId: details.campaignId } : {};
  const subjectRef = entry.subjectRef === undefined ? {} : { subjectRef: entry.subjectRef };
  if (entry.action === 'mail.sent') {
    emitAfterCommit(ops, 'mail.sent', () => ({
      ...subjectRef,
      purposeId,
      ...campaignId,
      at: entry.at,
    }));
  } else if (entry.action === 'mail.denied') {
    emitAfterCommit(ops, 'mail.denied', () => ({
      ...subjectRef,
      purposeId,
      reason: entry.reason ?? 'denied',
      ...campaignId,
      at: entry.at,
    }));
  } else if (entry.action === 'dsar.received') {
    emitAfterCommit(ops, 'dsar.received', () => ({
      requestId: String(details.requestId ?? ''),
      type: String(details.type ?? ''),
      ...subjectRef,
      at: entry.at,
    }));
  }
}

export async function appendAuditEntry(
  ops: StoreOperations,
  draft: AuditDraft,
  at: Date,
): Promise<AuditEntry> {
  const head = await ops.getAuditHead();
  const unhashed: Omit<AuditEntry, 'hash'> = {
    seq: (head?.seq ?? 0) + 1,
    at,
    actor: draft.actor,
    action: draft.action,
    details: draft.details ?? {},
    prevHash: head?.hash ?? null,
    ...(draft.subjectRef === undefined ? {} : { subjectRef: draft.subjectRef }),
    ...(draft.reason === undefined ? {} : { reason: draft.reason }),
  };
  const entry: AuditEntry = { ...unhashed, hash: hashAuditEntry(unhashed) };
  freshlyHashed.add(entry);
  await ops.appendAudit(entry);
  announce(ops, entry);
  return entry;
}

/**
 * Walks the whole log in batches (memory stays flat however long it is) and
 * names the first entry that was altered, removed or moved (REQ-32).
 */
export async function verifyAuditLog(
  ops: Pick<StoreOperations, 'listAudit' | 'getAuditHead'>,
  batchSize = 1000,
): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash: string | null = null;
  let checked = 0;
  for (;;) {
    const batch = await ops.listAudit(expectedSeq - 1, batchSize);
    for (const entry of batch) {
      if (entry.seq < expectedSeq) {
        return { ok: false, checked, seq: entry.seq, reason: 'out-of-order' };
      }
      if (entry.seq > expectedSeq) {
        return { ok: false, checked, seq: expectedSeq, reason: 'missing' };
      }
      if (entry.prevHash !== prevHash) {
        return { ok: false, checked, seq: entry.seq, reason: 'broken-link' };
      }
      if (hashAuditEntry(entry) !== entry.hash) {
        return { ok: false, checked, seq: entry.seq, reason: 'hash-mismatch' };
      }
      prevHash = entry.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (batch.length < batchSize) break;
  }
  // The head is kept apart from the rows: a deleted tail shows up here.
  const head = await ops.getAuditHead();
  if (head && head.seq >= expectedSeq) {
    return { ok: false, checked, seq: expectedSeq, reason: 'missing' };
  }
  if (head && head.hash !== prevHash) {
    return { ok: false, checked, seq: head.seq, reason: 'hash-mismatch' };
  }
  return { ok: true, checked };
}
