import { canonicalJson } from '../crypto/canonical-json.js';
import { sha256Hex } from '../crypto/hashing.js';
import type { ConsentEvent, ConsentEventType, ConsentMethod } from './consent-event.js';
import { ALL_PURPOSES } from './consent-event.js';

export type ConsentStatus = 'none' | 'pending' | 'granted' | 'withdrawn' | 'objected' | 'expired';

/** The state of one (subject, purpose), derived from the ledger, never stored (REQ-05). */
export interface PurposeConsentState {
  purposeId: string;
  status: ConsentStatus;
  /** When the current grant (or pending request) was made. */
  since?: Date;
  noticeVersion?: string;
  noticeHash?: string;
  method?: ConsentMethod;
  lastEventAt?: Date;
}

type Transition = (status: ConsentStatus) => ConsentStatus;

const TRANSITIONS: Record<ConsentEventType, Transition> = {
  // Asking again while granted keeps the grant: a repeated signup does not revoke.
  requested: (status) => (status === 'granted' ? 'granted' : 'pending'),
  // A confirmation only counts for a pending request (double opt-in).
  confirmed: (status) => (status === 'pending' ? 'granted' : status),
  granted: () => 'granted',
  withdrawn: () => 'withdrawn',
  objected: () => 'objected',
  expired: (status) => (status === 'pending' || status === 'granted' ? 'expired' : status),
};

/** Events for every purpose ("unsubscribe from all", objection) apply on top of per-purpose ones. */
function appliesTo(event: ConsentEvent, purposeId: string): boolean {
  return event.purposeId === purposeId || event.purposeId === ALL_PURPOSES;
}

export function deriveConsentState(
  events: readonly ConsentEvent[],
  purposeId: string,
): PurposeConsentState {
  // The event that started the current period, and the latest one: the state is
  // built once at the end (asked on every send decision).
  let status: ConsentStatus = 'none';
  let start: ConsentEvent | undefined;
  let last: ConsentEvent | undefined;
  for (const event of events) {
    if (!appliesTo(event, purposeId)) continue;
    const next = TRANSITIONS[event.type](status);
    last = event;
    // A change of status (or a fresh grant, e.g. to a new notice) starts a new period.
    if (next !== status || (event.type === 'granted' && next === 'granted')) {
      status = next;
      start = event;
    }
  }
  if (!last) return { purposeId, status };
  if (!start) return { purposeId, status, lastEventAt: last.at };
  const state: PurposeConsentState = {
    purposeId,
    status,
    since: start.at,
    method: start.proof.method,
    lastEventAt: last.at,
  };
  if (start.proof.noticeVersion !== undefined) state.noticeVersion = start.proof.noticeVersion;
  if (start.proof.noticeHash !== undefined) state.noticeHash = start.proof.noticeHash;
  return state;
}

export type Hashable = Omit<ConsentEvent, 'hash'>;

export function hashConsentEvent(event: Hashable): string {
  return sha256Hex(
    canonicalJson({
      id: event.id,
      subjectId: event.subjectId,
      seq: event.seq,
      type: event.type,
      purposeId: event.purposeId,
      at: event.at,
      proof: event.proof,
      prevHash: event.prevHash,
    }),
  );
}

export interface ChainVerification {
  ok: boolean;
  /** The seq of the first event whose hash, link or position is wrong. */
  brokenAt?: number;
  reason?: 'hash-mismatch' | 'broken-link' | 'gap';
}

/** Recomputes the chain: an edited, removed or reordered event is found (REQ-05). */
export function verifyConsentChain(events: readonly ConsentEvent[]): ChainVerification {
  let prevHash: string | null = null;
  let expectedSeq = 1;
  for (const event of events) {
    if (event.seq !== expectedSeq) return { ok: false, brokenAt: event.seq, reason: 'gap' };
    if (event.prevHash !== prevHash)
      return { ok: false, brokenAt: event.seq, reason: 'broken-link' };
    if (hashConsentEvent(event) !== event.hash) {
      return { ok: false, brokenAt: event.seq, reason: 'hash-mismatch' };
    }
    prevHash = event.hash;
    expectedSeq += 1;
  }
  return { ok: true };
}
