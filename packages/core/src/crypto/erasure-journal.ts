/**
 * One erasure, as the journal keeps it: keyed hashes and dates only, never an
 * address. `subjectHash` finds the person's row again after a restore;
 * `suppressionHash` re-adds the suppression entry.
 */
export interface ErasureJournalEntry {
  /** `ctx.subjectHash(address)`: the blind index of the subjects table. */
  subjectHash: string;
  /** `ctx.suppressionHash(address)`: the suppression list's keyed hash. */
  suppressionHash: string;
  /** The erased subject's id at the time (rows of a restored backup carry it). */
  subjectId: string;
  erasedAt: Date;
  /** What erased: `dsar`, `retention`, `admin`, `replay`. */
  reason: string;
}

/**
 * Where erasures are remembered apart from the data they protect, so that
 * `gdpr-mail erasures replay` can erase again everyone a restored backup
 * brings back (REQ-34). Kept in another place than the store: a file, or a
 * second database.
 */
export interface ErasureJournal {
  readonly kind: string;
  /** Durable before it resolves (fsync for a file). Appending the same subject twice is harmless. */
  append(entry: ErasureJournalEntry): Promise<void>;
  /** Several entries durable in one write (one fsync for a file); `append` each when absent. */
  appendMany?(entries: readonly ErasureJournalEntry[]): Promise<void>;
  /** Every entry, oldest first, streamed (never the whole journal in memory). */
  entries(): AsyncIterable<ErasureJournalEntry>;
  close?(): Promise<void>;
}
