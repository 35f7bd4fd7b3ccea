export const IMPORT_REJECT_REASONS = [
  /** No address, or not a valid one. */
  'invalid-email',
  /** On the suppression list: an import never brings an address back (REQ-28). */
  'suppressed',
  /** The unique key column is empty. */
  'missing-key',
  /** A JSON line that is not an object. */
  'unreadable',
] as const;
export type ImportRejectReason = (typeof IMPORT_REJECT_REASONS)[number];

/** A row of the file named in a report: its line, its key and what happened. */
export interface ImportSample {
  line: number;
  key: string;
  detail?: string;
}

export interface ImportConflictSample extends ImportSample {
  field: string;
  kept: string;
  other: string;
}

/**
 * What an import did. Every row is counted once: `rows = created + merged +
 * unchanged + rejected` (nothing lost). A second run of the same file counts
 * every accepted row as `unchanged`.
 */
export interface ContactImportReport {
  list: string;
  source: string;
  basis: string;
  purposeIds: string[];
  rows: number;
  /** New contacts. */
  created: number;
  /** Rows that added something to a contact already known (another list, a source, a language…). */
  merged: number;
  /** Rows that brought nothing new (a re-run, a duplicate line). */
  unchanged: number;
  rejected: number;
  rejects: Record<ImportRejectReason, number>;
  /** Contacts newly flagged for re-permission (no proof of consent), net of those a later row proved. */
  flagged: number;
  /** Contacts whose consent, proved by the file, was recorded (method `import`). */
  consentRecorded: number;
  /** Values that disagreed with the contact's (kept on the contact, see `profile.contact.conflicts`). */
  conflicts: number;
  languages: { mapped: number; defaulted: number; unknown: number; missing: number };
  samples: {
    merges: ImportSample[];
    conflicts: ImportConflictSample[];
    rejects: Array<ImportSample & { reason: ImportRejectReason }>;
    flagged: ImportSample[];
    unknownLanguages: ImportSample[];
  };
}

export interface ImportProgress {
  rows: number;
  created: number;
  merged: number;
  unchanged: number;
  rejected: number;
}

export function emptyReport(
  list: string,
  source: string,
  basis: string,
  purposeIds: string[],
): ContactImportReport {
  return {
    list,
    source,
    basis,
    purposeIds,
    rows: 0,
    created: 0,
    merged: 0,
    unchanged: 0,
    rejected: 0,
    rejects: { 'invalid-email': 0, suppressed: 0, 'missing-key': 0, unreadable: 0 },
    flagged: 0,
    consentRecorded: 0,
    conflicts: 0,
    languages: { mapped: 0, defaulted: 0, unknown: 0, missing: 0 },
    samples: { merges: [], conflicts: [], rejects: [], flagged: [], unknownLanguages: [] },
  };
}
