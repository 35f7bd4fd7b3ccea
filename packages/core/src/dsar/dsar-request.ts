export const DSAR_TYPES = [
  'access',
  'portability',
  'erasure',
  'rectification',
  'restriction',
  'objection',
] as const;
export type DsarType = (typeof DSAR_TYPES)[number];

export const DSAR_STATUSES = [
  'received',
  'identity-verified',
  'in-progress',
  'completed',
  'rejected',
] as const;
export type DsarStatus = (typeof DSAR_STATUSES)[number];

/** The statuses of a request still to be answered: what `overdue()` and the console list. */
export const DSAR_OPEN_STATUSES: readonly DsarStatus[] = [
  'received',
  'identity-verified',
  'in-progress',
];

export interface DsarStep {
  at: Date;
  action: string;
  actor: string;
  detail?: string;
}

export interface DsarSourceResult {
  status: 'done' | 'failed' | 'skipped';
  attempts: number;
  /** Error code or message of the last failure; never personal data. */
  error?: string;
  /** Rows exported or erased, when the source says. */
  count?: number;
}

/** One data-subject request with its deadlines and every step taken (SEED-12). */
export interface DsarRequest {
  id: string;
  type: DsarType;
  status: DsarStatus;
  /** The store's subject id; requests are only recorded for known people. */
  subjectId: string;
  receivedAt: Date;
  /** One calendar month after receipt (Art. 12(3)). */
  dueAt: Date;
  /** Set by an extension: up to two further months, decided within the first. */
  extendedDueAt?: Date;
  extensionReason?: string;
  verifiedAt?: Date;
  completedAt?: Date;
  rejectionReason?: string;
  /** Per data source, for exports and erasures. */
  sources: Record<string, DsarSourceResult>;
  steps: DsarStep[];
  version: number;
}

/**
 * Whether this request's restriction is in force: a `restricted` step not followed by a
 * `restriction-lifted` one. Only such a request lifts it (`dsar.liftRestriction`).
 */
export function restrictionInForce(request: Pick<DsarRequest, 'steps'>): boolean {
  let inForce = false;
  for (const step of request.steps) {
    if (step.action === 'restricted') inForce = true;
    else if (step.action === 'restriction-lifted') inForce = false;
  }
  return inForce;
}

/** The deadline in force: the extended one once the request was extended. */
export function dsarDeadline(request: Pick<DsarRequest, 'dueAt' | 'extendedDueAt'>): Date {
  return request.extendedDueAt ?? request.dueAt;
}

/** The person proved control of the address (REQ-21): nothing is answered before. */
export function isDsarVerified(request: Pick<DsarRequest, 'status' | 'verifiedAt'>): boolean {
  return request.status !== 'received' && request.verifiedAt !== undefined;
}
