import type { ErasureJournal, ErasureJournalEntry } from './erasure-journal.js';
import { validateErasureJournalEntry } from './file-erasure-journal.js';

/** Only the journal's own fields, with a date of its own: never an address spread in by a caller. */
function copy(entry: ErasureJournalEntry): ErasureJournalEntry {
  return {
    subjectHash: entry.subjectHash,
    suppressionHash: entry.suppressionHash,
    subjectId: entry.subjectId,
    erasedAt: new Date(entry.erasedAt),
    reason: entry.reason,
  };
}

/** An erasure journal in memory: for tests and the memory store (nothing outlives the process). */
export function createMemoryErasureJournal(): ErasureJournal & {
  readonly snapshot: () => ErasureJournalEntry[];
} {
  const kept: ErasureJournalEntry[] = [];
  return {
    kind: 'memory',
    async append(entry) {
      // The same checks as the durable journals, so tests on memory catch what they would refuse.
      validateErasureJournalEntry(entry);
      kept.push(copy(entry));
    },
    async appendMany(entries) {
      // All or nothing, as one write of a durable journal: every entry is checked first.
      entries.forEach(validateErasureJournalEntry);
      for (const entry of entries) kept.push(copy(entry));
    },
    async *entries() {
      // Entries appended while iterating wait for the next pass; one copy at a time, not the array.
      const end = kept.length;
      for (let i = 0; i < end; i++) yield copy(kept[i]!);
    },
    snapshot: () => kept.map(copy),
  };
}
