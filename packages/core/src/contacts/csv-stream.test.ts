import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { jsonLines, parseCsvStream } from './csv-stream.js';

async function* split(text: string, size: number): AsyncGenerator<string | Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function records(text: string, size: number, delimiter?: string) {
  const out: Array<{ line: number; fields: string[] }> = [];
  for await (const r of parseCsvStream(split(text, size), delimiter ? { delimiter } : {})) {
    out.push(r);
  }
  return out;
}

const SAMPLE =
  'a,b,c\r\n' +
  '"quoted, comma","say ""hi""","multi\r\nline"\r\n' +
  '\r\n' +
  ',,\n' +
  'é,ü,"€"\n' +
  'last,no,newline';

describe('parseCsvStream (RFC 4180)', () => {
  it('gives the same records whatever the chunk size, even splitting a UTF-8 character', async () => {
    const expected = [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['quoted, comma', 'say "hi"', 'multi\r\nline'] },
      { line: 5, fields: ['', '', ''] },
      { line: 6, fields: ['é', 'ü', '€'] },
      { line: 7, fields: ['last', 'no', 'newline'] },
    ];
    for (const size of [1, 2, 3, 5, 64, 10_000]) {
      expect(await records(SAMPLE, size)).toEqual(expected);
    }
  });

  it('takes another delimiter and refuses an unterminated quote', async () => {
    expect(await records('x;"y;z"\n', 4, ';')).toEqual([{ line: 1, fields: ['x', 'y;z'] }]);
    await expect(records('a,"never closed\n', 3)).rejects.toSatisfy((e) =>
      isGdprMailError(e, 'VALIDATION_FAILED'),
    );
  });
});

describe('jsonLines', () => {
  it('yields one object per line across chunks, undefined for a line that is not an object', async () => {
    const out = [];
    for await (const r of jsonLines(split('{"a":1}\r\n\n[1]\n{"b":"é"}', 3))) out.push(r);
    expect(out).toEqual([
      { line: 1, row: { a: 1 } },
      { line: 3, row: undefined },
      { line: 4, row: { b: 'é' } },
    ]);
  });
});
