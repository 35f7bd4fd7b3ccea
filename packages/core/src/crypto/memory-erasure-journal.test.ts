import { describe, expect, it } from 'vitest';
import { createMemoryErasureJournal } from './memory-erasure-journal.js';

describe('memory erasure journal (REQ-34)', () => {
  it('REQ-34: keeps entries oldest first, as copies', async () => {
    const journal = createMemoryErasureJournal();
    const erasedAt = new Date('2026-03-01T00:00:00Z');
    await journal.append({
      subjectHash: 'h1',
      suppressionHash: 's1',
      subjectId: 'a',
      erasedAt,
      reason: 'dsar',
    });
    await journal.append({
      subjectHash: 'h2',
      suppressionHash: 's2',
      subjectId: 'b',
      erasedAt,
      reason: 'retention',
    });
    erasedAt.setFullYear(2000);
    const seen = [];
    for await (const entry of journal.entries()) seen.push(entry);
    expect(seen.map((e) => e.subjectId)).toEqual(['a', 'b']);
    expect(seen[0]!.erasedAt.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});
