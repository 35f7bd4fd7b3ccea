export const BREACH_RISK_LEVELS = ['unlikely', 'risk', 'high-risk'] as const;
export type BreachRiskLevel = (typeof BREACH_RISK_LEVELS)[number];

export interface BreachPhase {
  at: Date;
  kind: 'opened' | 'update' | 'authority-notified' | 'subjects-notified' | 'closed';
  note: string;
  actor: string;
}

/** One entry of the breach register (Art. 33(5), REQ-33, SEED-10). */
export interface BreachIncident {
  id: string;
  title: string;
  /** When the controller became aware: the 72-hour clock starts here. */
  awareAt: Date;
  /** awareAt + 72 hours (Art. 33(1)). */
  notifyBy: Date;
  /** Art. 33(3)(a): nature, categories and approximate numbers of subjects and records. */
  nature: {
    description: string;
    subjectCategories: string[];
    approxSubjects: number;
    recordCategories: string[];
    approxRecords: number;
  };
  /** Art. 33(3)(b): who the authority can ask for more. */
  contact: { name: string; email: string };
  /** Art. 33(3)(c). */
  likelyConsequences: string;
  /** Art. 33(3)(d): measures taken or proposed, including mitigation. */
  measures: string;
  risk: BreachRiskLevel;
  /** Art. 34(3)(a): the data was unintelligible (e.g. encrypted), so subjects need not be told. */
  encryptionException: boolean;
  authorityNotifiedAt?: Date;
  authorityReference?: string;
  subjectsNotifiedAt?: Date;
  /** Required when the authority is told after notifyBy, or the incident closes past it untold. */
  delayReason?: string;
  status: 'open' | 'closed';
  closedAt?: Date;
  phases: BreachPhase[];
  /** Optimistic concurrency: each write increments it. */
  version: number;
}
