import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { testConfig } from '../testing/fixtures.js';
import { createTestClock } from '../testing/test-clock.js';
import type { ContactImportOptions } from './contact-importer.js';
import { parseConsentDate } from './contact-importer.js';
import { jsonLines, parseCsvStream } from './csv-stream.js';

// docs/import.md: bad input is a typed VALIDATION_FAILED that writes nothing; "a future or
// unreadable date is no proof"; "the source is read a chunk at a time ... never the file".

async function* text(...chunks: string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}

function setup() {
  const store = new MemoryStore();
  const gdpr = createGdprMail(
    testConfig({ store, clock: createTestClock('2026-03-01T09:00:00.000Z') }),
  );
  return { gdpr, store };
}

const valid: ContactImportOptions = { list: 'L', source: 'S', basis: 'consent' };

async function code(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    return isGdprMailError(error) ? error.code : `untyped ${String(error)}`;
  }
  return undefined;
}

describe('contacts.import refuses bad options with VALIDATION_FAILED and writes nothing', () => {
  it.each([
    ['no options', undefined],
    ['a list that is not text', { ...valid, list: 7 }],
    ['a misspelt format', { ...valid, format: 'json' }],
    ['a negative sampleSize', { ...valid, sampleSize: -1 }],
    ['a fractional sampleSize', { ...valid, sampleSize: 1.5 }],
    ['a key that is not text', { ...valid, key: 5 }],
    ['a column name that is not text', { ...valid, columns: { email: 5 } }],
    ['purposes as one string', { ...valid, purposes: 'newsletter' }],
  ])('%s', async (_name, options) => {
    const { gdpr, store } = setup();
    const before = store.dump();
    expect(
      await code(() =>
        gdpr.contacts.import(
          text('email\na@example.org\n'),
          options as unknown as ContactImportOptions,
        ),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(store.dump()).toBe(before);
  });
});

describe('consent dates', () => {
  const now = new Date('2026-03-01T09:00:00.000Z');
  it('a day the month does not have is unreadable, in ISO form as in DD/MM/YYYY', () => {
    expect(parseConsentDate('2025-02-30', now)).toBeUndefined();
    expect(parseConsentDate('2025-02-29T10:00:00Z', now)).toBeUndefined();
    expect(parseConsentDate('2025-04-31', now)).toBeUndefined();
    expect(parseConsentDate('30/02/2025', now)).toBeUndefined();
    expect(parseConsentDate('2024-02-29', now)?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseConsentDate('2025-06-01T10:00:00+02:00', now)?.toISOString()).toBe(
      '2025-06-01T08:00:00.000Z',
    );
  });

  it('a row dated 30 February records no consent and is flagged for re-permission', async () => {
    const { gdpr } = setup();
    const report = await gdpr.contacts.import(
      text('email,consent_date\nfeb@example.org,2025-02-30\n'),
      { ...valid, purposes: ['newsletter'] },
    );
    expect(report).toMatchObject({ consentRecorded: 0, flagged: 1 });
    expect(report.samples.flagged[0]?.detail).toBe('unreadable consent date');
  });
});

describe('a source without line breaks fails fast instead of being held whole', () => {
  const endless = (unit: string, count: number) =>
    (async function* () {
      for (let i = 0; i < count; i += 1) yield unit;
    })();

  it('JSON lines: a line past the limit is VALIDATION_FAILED, naming the line only', async () => {
    const lines = jsonLines(
      text('{"email":"a@example.org"}\n', '{"email":"b@example.org",', 'x'.repeat(64)),
      {
        maxLineLength: 32,
      },
    );
    let error: unknown;
    try {
      for await (const _ of lines);
    } catch (e) {
      error = e;
    }
    expect(isGdprMailError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toBe('JSON line too long at line 2.');
  });

  it('JSON lines: the importer stops on a 3 MB line with no break (default limit 1 MiB)', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    expect(
      await code(() =>
        gdpr.contacts.import(endless('[{"email":"someone@example.org"},', 100_000), {
          ...valid,
          format: 'jsonl',
        }),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(store.dump()).toBe(before);
  });

  it('CSV: a record of many short fields past maxRecordLength is VALIDATION_FAILED', async () => {
    let error: unknown;
    try {
      for await (const _ of parseCsvStream(endless('a@example.org,', 1_000), {
        maxRecordLength: 1_000,
      }));
    } catch (e) {
      error = e;
    }
    expect(isGdprMailError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toBe('CSV record too long at line 1.');
    expect((error as Error).message).not.toContain('@');
  });

  it('CSV: the importer stops on a 5 MB file with no line break (default limit 4 MiB)', async () => {
    const { gdpr, store } = setup();
    const before = store.dump();
    expect(
      await code(() => gdpr.contacts.import(endless('someone@example.org,', 250_000), valid)),
    ).toBe('VALIDATION_FAILED');
    expect(store.dump()).toBe(before);
  });
});

describe('a CSV without the address column', () => {
  it('SEED-01: is refused before anything is written, without echoing the header', async () => {
    const { gdpr, store } = setup();
    for (const file of [
      'E-mail,language\njane@example.org,fr\n',
      // No header row: the first person's row would be taken for one.
      'jane@example.org,fr\njohn@example.org,nl\n',
    ]) {
      let thrown: unknown;
      try {
        await gdpr.contacts.import(text(file), valid);
      } catch (error) {
        thrown = error;
      }
      expect(isGdprMailError(thrown, 'VALIDATION_FAILED')).toBe(true);
      expect((thrown as Error).message).toContain('no "email" column');
      expect((thrown as Error).message).not.toContain('@example.org');
    }
    expect(await store.listSubjects({ limit: 10 })).toEqual([]);
    // The header is matched whatever its case and spacing, and columns.email names another.
    const report = await gdpr.contacts.import(
      text(' EMAIL ,language\njane@example.org,fr\n'),
      valid,
    );
    expect(report.created).toBe(1);
    const named = await gdpr.contacts.import(text('E-mail\njohn@example.org\n'), {
      ...valid,
      columns: { email: 'E-mail' },
    });
    expect(named.created).toBe(1);
  });
});
