import { runErasureJournalConformance } from '../testing/erasure-journal-conformance.js';
import { createMemoryErasureJournal } from './memory-erasure-journal.js';

// Order, copies, duplicates, validation, concurrency and streaming: the shared suite (REQ-34).
runErasureJournalConformance('memory', () => createMemoryErasureJournal());
