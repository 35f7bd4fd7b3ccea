import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { ErasureJournal, ErasureJournalEntry } from './erasure-journal.js';

export interface FileErasureJournalOptions {
  /** The journal file (JSON lines). Keep it outside the data's database and backup set. */
  path: string;
}

export interface FileErasureJournal extends ErasureJournal {
  readonly kind: 'file';
  /** Lines `entries()` skipped because they did not parse (a torn last line after a crash). */
  readonly skippedLines: number;
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Refuses an entry the journal could not replay (a hash that is not 64 hex chars, a bad date). */
export function validateErasureJournalEntry(entry: ErasureJournalEntry): void {
  if (typeof entry.subjectHash !== 'string' || !HASH_PATTERN.test(entry.subjectHash)) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      'Erasure journal entry: subjectHash must be 64 hex characters.',
    );
  }
  if (typeof entry.suppressionHash !== 'string' || !HASH_PATTERN.test(entry.suppressionHash)) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      'Erasure journal entry: suppressionHash must be 64 hex characters.',
    );
  }
  if (typeof entry.subjectId !== 'string' || entry.subjectId.length === 0) {
    throw new GdprMailError('VALIDATION_FAILED', 'Erasure journal entry: subjectId is required.');
  }
  if (!(entry.erasedAt instanceof Date) || Number.isNaN(entry.erasedAt.getTime())) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      'Erasure journal entry: erasedAt must be a valid Date.',
    );
  }
  if (typeof entry.reason !== 'string' || entry.reason.length === 0) {
    throw new GdprMailError('VALIDATION_FAILED', 'Erasure journal entry: reason is required.');
  }
}

function parseLine(line: string): ErasureJournalEntry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (
    typeof r.subjectHash !== 'string' ||
    typeof r.suppressionHash !== 'string' ||
    typeof r.subjectId !== 'string' ||
    typeof r.erasedAt !== 'string' ||
    typeof r.reason !== 'string'
  ) {
    return undefined;
  }
  const erasedAt = new Date(r.erasedAt);
  if (Number.isNaN(erasedAt.getTime())) return undefined;
  if (!HASH_PATTERN.test(r.subjectHash) || !HASH_PATTERN.test(r.suppressionHash)) return undefined;
  return {
    subjectHash: r.subjectHash,
    suppressionHash: r.suppressionHash,
    subjectId: r.subjectId,
    erasedAt,
    reason: r.reason,
  };
}

/**
 * One entry's JSON line, byte for byte what `JSON.stringify` writes for the same
 * object (field order included), written out by hand: a retention page journals
 * thousands of entries at once on the event loop, and building an object and
 * stringifying it per entry was about a third of the journal's CPU time there
 * (docs/benchmarks.md, Retention). The hashes are validated as 64 lowercase hex
 * characters and the date is an ISO string, so only the free-text fields need
 * JSON escaping.
 */
function toLine(entry: ErasureJournalEntry, erasedAt: string): string {
  return `{"subjectHash":"${entry.subjectHash}","suppressionHash":"${entry.suppressionHash}","subjectId":${JSON.stringify(entry.subjectId)},"erasedAt":"${erasedAt}","reason":${JSON.stringify(entry.reason)}}\n`;
}

/** The lines of validated entries; a page's entries share one date, formatted once. */
function toLines(entries: readonly ErasureJournalEntry[]): string {
  let lastMs = Number.NaN;
  let iso = '';
  let text = '';
  for (const entry of entries) {
    const ms = entry.erasedAt.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      iso = entry.erasedAt.toISOString();
    }
    text += toLine(entry, iso);
  }
  return text;
}

/**
 * The file's lines, split on `\n` only (a `\r` before it is dropped), as JSON lines
 * are. Not `node:readline`: from Node 24 it also ends a line at U+2028 and U+2029,
 * which `JSON.stringify` leaves unescaped inside strings, so an entry whose subject id
 * or reason holds one was read as two torn lines and skipped.
 */
async function* readJsonLines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    rest += chunk as string;
    let start = 0;
    let end = rest.indexOf('\n', start);
    while (end !== -1) {
      yield rest.slice(start, end > start && rest[end - 1] === '\r' ? end - 1 : end);
      start = end + 1;
      end = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
  }
  if (rest.length > 0) yield rest;
}

/**
 * An erasure journal in a JSON-lines file (REQ-34). Each `append()` writes one
 * line and `fdatasync`s before it resolves; the file is created with mode
 * 0600 and its directories as needed. `entries()` streams the file line by
 * line and skips (and counts in `skippedLines`) a line that does not parse,
 * such as a torn last line left by a crash mid-write.
 */
export function createFileErasureJournal(options: FileErasureJournalOptions): FileErasureJournal {
  const { path } = options;
  if (typeof path !== 'string' || path.length === 0) {
    throw new GdprMailError('CONFIG_INVALID', 'The file erasure journal needs a path.');
  }
  let skipped = 0;
  let ready: Promise<void> | undefined;
  let queue: Promise<void> = Promise.resolve();

  const prepare = async (): Promise<void> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  };

  const writeLine = async (line: string): Promise<void> => {
    ready ??= prepare();
    await ready;
    const handle = await open(path, 'a', 0o600);
    try {
      await handle.write(line);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };

  async function appendMany(entries: readonly ErasureJournalEntry[]): Promise<void> {
    entries.forEach(validateErasureJournalEntry);
    if (entries.length === 0) return;
    const line = toLines(entries);
    // Appends are serialised so that two lines never interleave.
    const next = queue.then(() => writeLine(line));
    queue = next.catch(() => undefined);
    try {
      await next;
    } catch (cause) {
      throw new GdprMailError('STORE_FAILURE', 'Could not append to the erasure journal file.', {
        cause,
        retryable: true,
      });
    }
  }

  return {
    kind: 'file',
    get skippedLines() {
      return skipped;
    },
    append: (entry) => appendMany([entry]),
    appendMany,
    async *entries() {
      try {
        await stat(path);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new GdprMailError('STORE_FAILURE', 'Could not read the erasure journal file.', {
          cause,
        });
      }
      skipped = 0;
      // Leaving the loop early (break, throw) ends the generator and with it the read stream.
      for await (const line of readJsonLines(path)) {
        if (line.trim().length === 0) continue;
        const entry = parseLine(line);
        if (entry === undefined) {
          skipped += 1;
          continue;
        }
        yield entry;
      }
    },
  };
}
