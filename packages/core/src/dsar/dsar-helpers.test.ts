import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, toCsv } from './csv.js';
import { canExtend, dsarDeadlines } from './dsar-deadlines.js';

describe('DSAR deadlines (REQ-20)', () => {
  it('counts calendar months and clamps to the month end', () => {
    const received = new Date('2026-01-31T10:00:00.000Z');
    const { dueAt, maxExtendedDueAt } = dsarDeadlines(received);
    expect(dueAt.toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(maxExtendedDueAt.toISOString()).toBe('2026-04-30T10:00:00.000Z');
  });

  it('allows an extension only within the first month', () => {
    const received = new Date('2026-03-01T00:00:00.000Z');
    expect(canExtend(received, new Date('2026-03-31T00:00:00.000Z'))).toBe(true);
    expect(canExtend(received, new Date('2026-04-01T00:00:00.000Z'))).toBe(true);
    // Day 32.
    expect(canExtend(received, new Date('2026-04-02T00:00:00.000Z'))).toBe(false);
  });
});

describe('CSV (RFC 4180, REQ-23)', () => {
  it('quotes what must be quoted and doubles quotes', () => {
    expect(csvRow(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 3])).toBe(
      'plain,"a,b","say ""hi""","two\nlines",,3\r\n',
    );
    expect(csvCell(new Date('2026-01-01T00:00:00.000Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('neutralises spreadsheet formulas unless told not to', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1', { protectFormulas: false })).toBe('-1');
  });

  it('streams a header and one record per row', async () => {
    async function* rows() {
      yield { id: 1, email: 'a@example.org' };
      yield { id: 2, note: 'x,y' };
    }
    const chunks: string[] = [];
    for await (const chunk of toCsv(['id', 'email', 'note'], rows())) chunks.push(chunk);
    expect(chunks.join('')).toBe('id,email,note\r\n1,a@example.org,\r\n2,,"x,y"\r\n');
  });
});
