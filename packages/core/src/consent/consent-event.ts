export const CONSENT_EVENT_TYPES = [
  'requested',
  'confirmed',
  'granted',
  'withdrawn',
  'objected',
  'expired',
] as const;
export type ConsentEventType = (typeof CONSENT_EVENT_TYPES)[number];

/** Events with this purpose id apply to every marketing purpose ("unsubscribe from all", Art. 21 objection). */
export const ALL_PURPOSES = '*';

export const CONSENT_METHODS = [
  'checkbox',
  'double-opt-in',
  'api',
  'import',
  'preference-center',
  'one-click-unsubscribe',
  'unsubscribe-link',
  'reply',
  'paper',
  'verbal',
  'provider-event',
  'privacy-signal',
  'system',
] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/** What a controller must be able to show for each event (Art. 7(1), REQ-05). */
export interface ConsentProof {
  /** Where the data came from: a form id, "Salon X 2018", an import file name. */
  source: string;
  method: ConsentMethod;
  /** Who recorded it: `subject`, `parent`, an admin id, `system`. */
  actor: string;
  noticeVersion?: string;
  noticeHash?: string;
  formId?: string;
  ip?: string;
  userAgent?: string;
  reason?: string;
  /** The event was given or authorised by a holder of parental responsibility (Art. 8). */
  parental?: boolean;
}

export interface ConsentEvent {
  id: string;
  subjectId: string;
  /** 1-based position in the subject's ledger. */
  seq: number;
  type: ConsentEventType;
  purposeId: string;
  at: Date;
  proof: ConsentProof;
  /** Hash of the previous event of the same subject, null for the first. */
  prevHash: string | null;
  hash: string;
}

export interface LedgerHead {
  seq: number;
  hash: string;
}
