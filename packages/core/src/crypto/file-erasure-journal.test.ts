import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runErasureJournalConformance } from '../testing/erasure-journal-conformance.js';
import type { ErasureJournal, ErasureJournalEntry } from './erasure-journal.js';
import { createFileErasureJournal } from './file-erasure-journal.js';

const h = (c: string) => c.repeat(64);
const entry = (n: number): ErasureJournalEntry => ({
  subjectHash: h(String(n % 10)),
  suppressionHash: h('a'),
  subjectId: `sub_${n}`,
  erasedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  reason: 'dsar',
});

async function collect(it: AsyncIterable<ErasureJournalEntry>): Promise<ErasureJournalEntry[]> {
  const out: ErasureJournalEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('createFileErasureJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gdpr-mail-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('REQ-34: appends JSON lines in nested directories with mode 0600', async () => {
    const path = join(dir, 'a', 'b', 'erasures.jsonl');
    const journal = createFileErasureJournal({ path });
    expect(await collect(journal.entries())).toEqual([]);
    for (let i = 0; i < 5; i++) await journal.append(entry(i));
    const mode = (await stat(path)).mode & 0o777;
    if (process.platform !== 'win32') expect(mode).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(5);
    expect(JSON.parse(text.split('\n')[0] ?? '')).toEqual({
      subjectHash: h('0'),
      suppressionHash: h('a'),
      subjectId: 'sub_0',
      erasedAt: '2026-01-01T00:00:00.000Z',
      reason: 'dsar',
    });
    expect(await collect(createFileErasureJournal({ path }).entries())).toHaveLength(5);
  });

  it('REQ-34: writes each line as JSON.stringify would, escaping the free-text fields', async () => {
    const path = join(dir, 'lines.jsonl');
    const journal = createFileErasureJournal({ path });
    const odd: ErasureJournalEntry = {
      ...entry(7),
      subjectId: 'sub_"quoted"\\back\nline\u2028é',
      reason: 'dsar "x"',
    };
    const page = [entry(1), { ...entry(2), erasedAt: entry(1).erasedAt }, odd];
    await journal.appendMany?.(page);
    const expected = page
      .map((e) =>
        JSON.stringify({
          subjectHash: e.subjectHash,
          suppressionHash: e.suppressionHash,
          subjectId: e.subjectId,
          erasedAt: e.erasedAt.toISOString(),
          reason: e.reason,
        }),
      )
      .join('\n');
    expect(await readFile(path, 'utf8')).toBe(`${expected}\n`);
    expect(await collect(journal.entries())).toEqual(page);
  });

  it('REQ-34: reads back entries holding U+2028 and U+2029 across read chunks, on every Node', async () => {
    // Node 24's readline ends a line at U+2028/U+2029, which JSON.stringify leaves raw.
    const path = join(dir, 'separators.jsonl');
    const journal = createFileErasureJournal({ path });
    const page = Array.from({ length: 3000 }, (_, i) => ({
      ...entry(i),
      subjectId: `sub_${i}\u2028é\u2029`,
      reason: i % 2 === 0 ? 'dsar\u2029' : 'dsar',
    }));
    await journal.appendMany?.(page);
    expect((await stat(path)).size).toBeGreaterThan(3 * 65_536);
    expect(await collect(journal.entries())).toEqual(page);
    expect(journal.skippedLines).toBe(0);
    // A CRLF-terminated line (a file edited on Windows) still reads; leaving early is fine.
    await appendFile(path, `${JSON.stringify({ ...entry(9), erasedAt: entry(9).erasedAt })}\r\n`);
    const all = await collect(journal.entries());
    expect(all).toHaveLength(3001);
    expect(all.at(-1)).toEqual(entry(9));
    for await (const first of journal.entries()) {
      expect(first).toEqual(page[0]);
      break;
    }
  });

  it('REQ-34: skips and counts a torn last line after a crash', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileErasureJournal({ path });
    await journal.append(entry(1));
    await journal.append(entry(2));
    await appendFile(path, '{"subjectHash":"aaaa","suppre');
    const read = await collect(journal.entries());
    expect(read.map((e) => e.subjectId)).toEqual(['sub_1', 'sub_2']);
    expect(journal.skippedLines).toBe(1);
    // A later append after the torn line starts on a fresh line only if the torn one is
    // terminated; the torn line stays skipped and the new entry is still read.
    await appendFile(path, '\n');
    await journal.append(entry(3));
    expect((await collect(journal.entries())).map((e) => e.subjectId)).toEqual([
      'sub_1',
      'sub_2',
      'sub_3',
    ]);
  });
});

describe('file erasure journal conformance', () => {
  let dir: string;
  let files = 0;
  const paths = new WeakMap<ErasureJournal, string>();
  const open = (path: string) => {
    const journal = createFileErasureJournal({ path });
    paths.set(journal, path);
    return journal;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gdpr-mail-journal-suite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Order, copies, duplicates, no address, validation, concurrency, reopen and streaming (REQ-34).
  runErasureJournalConformance('file', () => open(join(dir, `j${++files}.jsonl`)), {
    reopen: (closed) => open(paths.get(closed)!),
  });
});
