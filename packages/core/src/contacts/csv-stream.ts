import { GdprMailError } from '../errors/gdpr-mail-error.js';

/** Text or bytes, as a file stream (`fs.createReadStream`) or any async generator yields them. */
export type TextChunks = AsyncIterable<string | Uint8Array>;

export interface CsvStreamOptions {
  /** One character; default `,`. */
  delimiter?: string;
  /** Largest field accepted, in characters (default 1 MiB): a runaway quote fails fast. */
  maxFieldLength?: number;
  /**
   * Largest record accepted, in characters (default 4 MiB): a file without line breaks
   * fails fast instead of being held whole.
   */
  maxRecordLength?: number;
}

/** One record of the file and the line it starts on (1-based, counting the header). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function assertAsyncSource(source: unknown): asserts source is AsyncIterable<unknown> {
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof (source as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function'
  ) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      'The import source must be a stream or an async iterable (it is read a chunk at a time, never loaded whole).',
    );
  }
}

async function* decodeChunks(source: TextChunks): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

/**
 * RFC 4180 records from a stream of chunks, one at a time: quoted fields may
 * hold delimiters, doubled quotes and line breaks; CRLF or LF ends a record;
 * blank lines are skipped. Memory holds one record, never the file.
 */
export async function* parseCsvStream(
  source: TextChunks,
  options: CsvStreamOptions = {},
): AsyncGenerator<CsvRecord> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new GdprMailError('VALIDATION_FAILED', 'The CSV delimiter must be one character.');
  }
  const maxField = options.maxFieldLength ?? 1_048_576;
  const maxRecord = options.maxRecordLength ?? 4_194_304;
  /** Characters of the fields the current record has closed so far. */
  let recordLength = 0;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** Inside quotes, a quote was seen: either an escaped quote or the closing one. */
  let quotePending = false;
  /** The current record has content (a field, or a delimiter: `,,` is three empty fields). */
  let hasContent = false;
  let line = 1;
  let recordLine = 1;
  let lastWasCr = false;
  let quotedCr = false;

  const tooLong = () =>
    new GdprMailError('VALIDATION_FAILED', `CSV field too long at line ${recordLine}.`, {
      details: { line: recordLine },
    });

  for await (const text of decodeChunks(source)) {
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i]!;
      if (lastWasCr) {
        lastWasCr = false;
        if (ch === '\n') continue;
      }
      if (quoted) {
        if (!quotePending) {
          if (ch === '"') quotePending = true;
          else {
            // CR, LF and CRLF each end one line, even when a chunk splits CRLF.
            if (ch === '\r' || (ch === '\n' && !quotedCr)) line += 1;
            quotedCr = ch === '\r';
            field += ch;
            if (field.length > maxField) throw tooLong();
          }
          continue;
        }
        quotePending = false;
        if (ch === '"') {
          field += '"';
          continue;
        }
        quoted = false; // that was the closing quote: `ch` is read unquoted below
      }
      if (ch === delimiter) {
        recordLength += field.length + 1;
        if (recordLength > maxRecord) {
          throw new GdprMailError(
            'VALIDATION_FAILED',
            `CSV record too long at line ${recordLine}.`,
            {
              details: { line: recordLine },
            },
          );
        }
        fields.push(field);
        field = '';
        hasContent = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') lastWasCr = true;
        if (hasContent) {
          fields.push(field);
          out.push({ line: recordLine, fields });
        }
        fields = [];
        field = '';
        recordLength = 0;
        hasContent = false;
        line += 1;
        recordLine = line;
      } else if (ch === '"' && field.length === 0) {
        quoted = true;
        quotedCr = false;
        hasContent = true;
      } else {
        // Lenient: a stray quote inside an unquoted field is kept as text.
        field += ch;
        hasContent = true;
        if (field.length > maxField) throw tooLong();
      }
    }
    for (const record of out) yield record;
  }
  if (quoted && !quotePending) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      `Unterminated quoted field at line ${recordLine}.`,
      {
        details: { line: recordLine },
      },
    );
  }
  if (hasContent) {
    fields.push(field);
    yield { line: recordLine, fields };
  }
}

/** One object per CSV record, keyed by the header row (trimmed); extra cells are dropped. */
export async function* csvRows(
  source: TextChunks,
  options: CsvStreamOptions = {},
): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  let header: string[] | undefined;
  for await (const record of parseCsvStream(source, options)) {
    if (!header) {
      header = record.fields.map((h) => h.trim());
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = record.fields[i] ?? '';
    });
    yield { line: record.line, row };
  }
}

/**
 * One object per line of a JSON-lines stream; blank lines skipped. A line that
 * is not a JSON object yields `row: undefined` so the importer can report it.
 */
export async function* jsonLines(
  source: TextChunks,
  options: { maxLineLength?: number } = {},
): AsyncGenerator<{ line: number; row: Record<string, unknown> | undefined }> {
  // Like a CSV field: a file with no line breaks (a JSON array, the wrong file) fails
  // fast instead of being held whole in memory.
  const maxLine = options.maxLineLength ?? 1_048_576;
  /** The start of the line being read, in the pieces the chunks brought (no line break). */
  let pending: string[] = [];
  let pendingLength = 0;
  let line = 0;
  const tooLong = () =>
    new GdprMailError('VALIDATION_FAILED', `JSON line too long at line ${line + 1}.`, {
      details: { line: line + 1 },
    });
  const parse = (text: string) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  for await (const text of decodeChunks(source)) {
    const out: Array<{ line: number; row: Record<string, unknown> | undefined }> = [];
    let from = 0;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      let current = text.slice(from, newline);
      if (pending.length > 0) {
        current = pending.join('') + current;
        pending = [];
        pendingLength = 0;
      }
      if (current.length > maxLine) throw tooLong();
      line += 1;
      if (current.trim() !== '') out.push({ line, row: parse(current) });
      from = newline + 1;
      newline = text.indexOf('\n', from);
    }
    if (from < text.length) {
      // Pieces, not one growing string: appending would copy the line at every chunk.
      pending.push(from === 0 ? text : text.slice(from));
      pendingLength += text.length - from;
      if (pendingLength > maxLine) throw tooLong();
    }
    for (const item of out) yield item;
  }
  line += 1;
  const last = pending.join('');
  if (last.trim() !== '') yield { line, row: parse(last) };
}
