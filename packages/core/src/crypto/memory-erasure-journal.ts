import type { ErasureJournal, ErasureJournalEntry } from './erasure-journal.js';

/** An erasure journal in memory: for tests and the memory store (nothing outlives the process). */
export function createMemoryErasureJournal(): ErasureJournal & {
  readonly snapshot: () => ErasureJournalEntry[];
} {
  const kept: ErasureJournalEntry[] = [];
  return {
    kind: 'memory',
    async append(entry) {
      kept.push({ ...entry, erasedAt: new Date(entry.erasedAt) });
    },
    async appendMany(entries) {
      for (const entry of entries) kept.push({ ...entry, erasedAt: new Date(entry.erasedAt) });
    },
    async *entries() {
      // A snapshot: entries appended while iterating wait for the next pass.
      for (const entry of kept.slice()) yield { ...entry, erasedAt: new Date(entry.erasedAt) };
    },
    snapshot: () => kept.map((entry) => ({ ...entry, erasedAt: new Date(entry.erasedAt) })),
  };
}
