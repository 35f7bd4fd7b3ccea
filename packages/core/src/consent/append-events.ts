import { randomUUID } from 'node:crypto';
import { emitAfterCommit } from '../observability/after-commit.js';
import type { StoreOperations } from '../store/store-types.js';
import type { ConsentEvent, ConsentEventType, ConsentProof, LedgerHead } from './consent-event.js';
import { hashConsentEvent } from './ledger.js';

export interface ConsentEventDraft {
  type: ConsentEventType;
  purposeId: string;
  proof: ConsentProof;
}

/** Builds the events that continue `head` (hashes chained), without writing them. */
export function chainConsentEvents(
  subjectId: string,
  head: LedgerHead | undefined,
  drafts: readonly ConsentEventDraft[],
  at: Date,
): ConsentEvent[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? null;
  return drafts.map((draft) => {
    seq += 1;
    const unhashed = { id: randomUUID(), subjectId, seq, at, prevHash, ...draft };
    const event: ConsentEvent = { ...unhashed, hash: hashConsentEvent(unhashed) };
    prevHash = event.hash;
    return event;
  });
}

/** Chains drafts onto the subject's ledger head and appends them in one write. */
export async function appendConsentEvents(
  ops: StoreOperations,
  subjectId: string,
  drafts: readonly ConsentEventDraft[],
  at: Date,
): Promise<ConsentEvent[]> {
  if (drafts.length === 0) return [];
  const head = await ops.getLedgerHead(subjectId);
  const events = chainConsentEvents(subjectId, head, drafts, at);
  await ops.appendConsentEvents(subjectId, head, events);
  emitConsentChanged(ops, events);
  return events;
}

/** `consent.changed` for each event written through `ops`, once its transaction commits. */
export function emitConsentChanged(ops: StoreOperations, events: readonly ConsentEvent[]): void {
  for (const event of events) {
    emitAfterCommit(ops, 'consent.changed', () => ({
      subjectId: event.subjectId,
      purposeId: event.purposeId,
      type: event.type,
      at: event.at,
    }));
  }
}
