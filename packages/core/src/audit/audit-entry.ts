/**
 * One entry of the audit log (REQ-32). Entries name subjects only by a
 * pseudonymous reference (subject id or keyed hash), never by address.
 */
export interface AuditEntry {
  /** 1-based position in the log; the chain is global, not per subject. */
  seq: number;
  at: Date;
  /** Who acted: `subject`, `system`, an admin id, an API key id. */
  actor: string;
  /** Dotted verb, e.g. `consent.granted`, `suppression.added`, `subject.deleted`. */
  action: string;
  /** Subject id or keyed hash; absent for actions on no one in particular. */
  subjectRef?: string;
  reason?: string;
  /** Opaque, JSON-serialisable facts: purpose ids, event ids, counts. No personal data. */
  details: Record<string, unknown>;
  /** Hash of the previous entry, null for the first. */
  prevHash: string | null;
  hash: string;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** What a caller supplies; the chain fields are filled in when appending. */
export interface AuditDraft {
  actor: string;
  action: string;
  subjectRef?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export type AuditVerification =
  | { ok: true; checked: number }
  | {
      ok: false;
      checked: number;
      /** The seq of the first entry that was altered, is missing or is out of place. */
      seq: number;
      reason: 'hash-mismatch' | 'broken-link' | 'missing' | 'out-of-order';
    };
