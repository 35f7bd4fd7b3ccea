import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvStream } from './csv-stream.js';

/** RFC 4180 writer: quote a field when it holds a delimiter, a quote or a line break. */
function writeCsv(records: string[][], eol: string): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replaceAll('"', '""')}"` : v);
  return records.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

async function* chunked(text: string, sizes: number[]): AsyncGenerator<string> {
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const size = sizes[k++ % sizes.length]!;
    yield text.slice(i, i + size);
    i += size;
  }
}

const field = fc.string({
  unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r', ' ', 'x', '😀'),
  maxLength: 8,
});

describe('parseCsvStream property', () => {
  it('reads back what an RFC 4180 writer wrote, whatever the chunking and line ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('\n', '\r\n'),
        async (records, sizes, eol) => {
          const parsed: string[][] = [];
          for await (const r of parseCsvStream(chunked(writeCsv(records, eol), sizes))) {
            parsed.push(r.fields);
          }
          expect(parsed).toEqual(records);
        },
      ),
      { numRuns: 300 },
    );
  });
});
