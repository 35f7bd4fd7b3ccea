import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErasureJournal, ErasureJournalEntry } from '../crypto/erasure-journal.js';
import { keyedHash } from '../crypto/hashing.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';

export interface ErasureJournalConformanceOptions {
  /** Called after each test with the journal it made. Defaults to `journal.close?.()`. */
  teardown?: (journal: ErasureJournal) => Promise<void>;
  /**
   * For a durable journal: opens the same journal again (same file, same
   * schema) after the suite closed the first one. When given, the suite checks
   * that entries survive close + reopen.
   */
  reopen?: (closed: ErasureJournal) => ErasureJournal | Promise<ErasureJournal>;
  /** Entries in the large-journal test (default 20,000). */
  largeCount?: number;
  /**
   * Writes many entries at once for the large-journal test, behind the
   * journal's back, where appending them one durable write at a time would
   * be slow. Default: `appendMany` in batches of 1,000 when the journal has
   * it, else `append` in concurrent batches of 500.
   */
  fill?: (journal: ErasureJournal, entries: readonly ErasureJournalEntry[]) => Promise<void>;
  /**
   * For a paging journal: the page size it was made with and the largest
   * number of rows one read returned so far. The suite then checks that
   * reading the large journal never fetched more than one page at a time.
   */
  paging?: { pageSize: number; largestRead: () => number };
}

const ENTRY_KEYS = ['erasedAt', 'reason', 'subjectHash', 'subjectId', 'suppressionHash'];
const PEPPER = 'erasure-journal-conformance-pepper-0123456789';

/** An entry as the erasure flow makes it: keyed hashes of an address, never the address. */
function entryFor(address: string, erasedAt: Date, reason = 'dsar'): ErasureJournalEntry {
  return {
    subjectHash: keyedHash(PEPPER, 'subject', address),
    suppressionHash: keyedHash(PEPPER, 'suppression', address),
    subjectId: randomUUID(),
    erasedAt,
    reason,
  };
}

function numbered(n: number, reason = 'dsar'): ErasureJournalEntry {
  return entryFor(`person-${n}-${randomUUID()}@example.test`, at(n), reason);
}

/** Distinct, increasing dates (one second apart) with a millisecond part. */
function at(n: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + n * 1000 + 123);
}

async function collect(source: AsyncIterable<ErasureJournalEntry>): Promise<ErasureJournalEntry[]> {
  const out: ErasureJournalEntry[] = [];
  for await (const entry of source) out.push(entry);
  return out;
}

/**
 * The behaviour every ErasureJournal must show (REQ-34). From a journal's
 * test file: `runErasureJournalConformance('file', () => createFileErasureJournal(...), { reopen })`.
 * Each test gets a fresh, empty journal from `makeJournal`.
 *
 * Appending the same subject twice is harmless and both entries are kept:
 * `entries()` returns every append, duplicates included, in append order.
 * The journal is a log; `replay` erasing an already-erased subject is a no-op,
 * so a retried append (the first one committed, its answer lost) needs no
 * de-duplication, which a file could only do by reading itself whole.
 */
export function runErasureJournalConformance(
  name: string,
  makeJournal: () => ErasureJournal | Promise<ErasureJournal>,
  options: ErasureJournalConformanceOptions = {},
): void {
  describe(`ErasureJournal conformance: ${name}`, () => {
    let journal: ErasureJournal;

    beforeEach(async () => {
      journal = await makeJournal();
    });
    afterEach(async () => {
      await (options.teardown ? options.teardown(journal) : journal.close?.());
    });

    it('REQ-34: starts empty, then streams appended entries in append order with dates intact', async () => {
      expect(await collect(journal.entries())).toEqual([]);
      const appended = [1, 2, 3, 4, 5].map((n) => numbered(n, n % 2 === 0 ? 'retention' : 'dsar'));
      for (const entry of appended) await journal.append(entry);
      const read = await collect(journal.entries());
      expect(read).toEqual(appended);
      expect(read[0]!.erasedAt).toBeInstanceOf(Date);
      expect(read[0]!.erasedAt.getUTCMilliseconds()).toBe(123);
    });

    it('REQ-34: keeps its own copy of an entry (a later change to the caller object is not seen)', async () => {
      const entry = numbered(1);
      await journal.append(entry);
      entry.erasedAt.setUTCFullYear(2000);
      entry.reason = 'changed';
      const [read] = await collect(journal.entries());
      expect(read?.erasedAt.toISOString()).toBe(at(1).toISOString());
      expect(read?.reason).toBe('dsar');
    });

    it('REQ-34: appending the same subject twice is harmless: both entries are kept, in order', async () => {
      const first = numbered(1);
      // A retried append of the very same entry, then the same subject erased again later.
      await journal.append(first);
      await journal.append({ ...first, erasedAt: new Date(first.erasedAt) });
      const again = { ...first, erasedAt: at(2), reason: 'replay' };
      await journal.append(again);
      const read = await collect(journal.entries());
      expect(read).toEqual([first, first, again]);
    });

    it('REQ-34: entries hold keyed hashes and dates only, never an address', async () => {
      const address = `alice-${randomUUID()}@example.test`;
      const entry = entryFor(address, at(1));
      // A careless caller spreading a subject row into the entry: extra fields are not kept.
      await journal.append({ ...entry, email: address, profile: { name: 'Alice' } } as never);
      await journal.append(numbered(2));
      const read = await collect(journal.entries());
      expect(read).toHaveLength(2);
      for (const e of read) {
        expect(Object.keys(e).sort()).toEqual(ENTRY_KEYS);
        expect(e.subjectHash).toMatch(/^[0-9a-f]{64}$/);
        expect(e.suppressionHash).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(e)).not.toContain('@');
      }
      expect(read[0]).toEqual(entry);
    });

    it('REQ-34: refuses an entry it could not replay, without echoing the address', async () => {
      const address = `bob-${randomUUID()}@example.test`;
      const bad: ErasureJournalEntry[] = [
        { ...numbered(1), subjectHash: address },
        { ...numbered(2), suppressionHash: 'f'.repeat(63) },
        { ...numbered(3), subjectId: '' },
        { ...numbered(4), erasedAt: new Date(Number.NaN) },
        { ...numbered(5), reason: '' },
      ];
      for (const entry of bad) {
        let caught: unknown;
        try {
          await journal.append(entry);
        } catch (error) {
          caught = error;
        }
        expect(isGdprMailError(caught, 'VALIDATION_FAILED')).toBe(true);
        expect(String((caught as Error).message)).not.toContain(address);
      }
      expect(await collect(journal.entries())).toEqual([]);
    });

    it('REQ-34: appendMany, when offered, keeps the batch in order after earlier appends, all or nothing', async (ctx) => {
      if (!journal.appendMany) {
        ctx.skip();
        return;
      }
      const before = numbered(1);
      await journal.append(before);
      await journal.appendMany([]);
      const batch = [2, 3, 4].map((n) => numbered(n));
      // Extra fields in a batch are dropped as in `append`.
      await journal.appendMany(batch.map((e) => ({ ...e, email: 'x@example.test' }) as never));
      const bad = [
        numbered(5),
        { ...numbered(6), subjectHash: `carol-${randomUUID()}@example.test` },
      ];
      await expect(journal.appendMany(bad)).rejects.toSatisfy((error) =>
        isGdprMailError(error, 'VALIDATION_FAILED'),
      );
      expect(await collect(journal.entries())).toEqual([before, ...batch]);
    });

    it('REQ-34: loses none of 100 concurrent appends', async () => {
      const appended = Array.from({ length: 100 }, (_, n) => numbered(n));
      // With appendMany, a fifth of them go in concurrent batches of five beside the single appends.
      const many = journal.appendMany?.bind(journal);
      await Promise.all(
        appended.map((entry, n) => {
          if (!many || n >= 20) return journal.append(entry);
          return n % 5 === 0 ? many(appended.slice(n, n + 5)) : undefined;
        }),
      );
      const read = await collect(journal.entries());
      expect(read).toHaveLength(100);
      const byId = new Map(appended.map((e) => [e.subjectId, e]));
      for (const e of read) expect(e).toEqual(byId.get(e.subjectId));
      expect(new Set(read.map((e) => e.subjectId)).size).toBe(100);
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it('REQ-34: entries survive close and reopen', async () => {
        const appended = [1, 2, 3].map((n) => numbered(n));
        for (const entry of appended) await journal.append(entry);
        await journal.close?.();
        journal = await reopen(journal);
        expect(await collect(journal.entries())).toEqual(appended);
        const later = numbered(4);
        await journal.append(later);
        expect(await collect(journal.entries())).toEqual([...appended, later]);
      });
    }

    it('REQ-34: streams a large journal in order, and stops cleanly when the reader does', async () => {
      const count = options.largeCount ?? 20_000;
      const stamp = randomUUID().slice(0, 8);
      const entries = Array.from({ length: count }, (_, n) => ({
        subjectHash: keyedHash(PEPPER, 'subject', `${n}-${stamp}`),
        suppressionHash: keyedHash(PEPPER, 'suppression', `${n}-${stamp}`),
        subjectId: `sub-${stamp}-${n}`,
        erasedAt: at(n),
        reason: 'retention',
      }));
      if (options.fill) await options.fill(journal, entries);
      else if (journal.appendMany) {
        for (let i = 0; i < count; i += 1000) await journal.appendMany(entries.slice(i, i + 1000));
      } else {
        for (let i = 0; i < count; i += 500) {
          await Promise.all(entries.slice(i, i + 500).map((e) => journal.append(e)));
        }
      }

      const source = journal.entries();
      expect(Array.isArray(source)).toBe(false);
      // Walked one entry at a time and compared as it goes: nothing here holds the whole journal.
      let seen = 0;
      let ordered = true;
      for await (const entry of source) {
        if (entry.subjectId !== `sub-${stamp}-${seen}`) ordered = false;
        seen += 1;
      }
      expect(seen).toBe(count);
      expect(ordered).toBe(true);
      if (options.paging) {
        expect(options.paging.largestRead()).toBeLessThanOrEqual(options.paging.pageSize);
      }

      // A reader that stops early (a replay interrupted) releases what it held:
      // the journal still appends and reads afterwards.
      let taken = 0;
      for await (const _ of journal.entries()) {
        taken += 1;
        if (taken === 3) break;
      }
      expect(taken).toBe(3);
      const last = numbered(count + 1);
      await journal.append(last);
      let final: ErasureJournalEntry | undefined;
      let total = 0;
      for await (const entry of journal.entries()) {
        final = entry;
        total += 1;
      }
      expect(total).toBe(count + 1);
      expect(final).toEqual(last);
    });
  });
}
