import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { GdprMail } from '@gdpr-mail/core';
import { createFileErasureJournal, createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Needle, RawCopy, ScanPerson, ScanReport, ScenarioOutcome } from './raw-scan.js';
import {
  compressedValues,
  describeScan,
  expectReadBack,
  expectShreddedAfterKekRetirement,
  expectSurvivorsOpenWithOldKek,
  filesUnder,
  makePeople,
  needlesOf,
  rawCopies,
  runScenario,
  runTag,
  scanConfig,
  scanFiles,
  sealedNeedles,
  subset,
} from './raw-scan.js';

// Issue #18 acceptance, embedded store: after people are recorded, some erased
// and some signed up again, every byte PGlite left in its data folder (heap,
// indexes, TOAST, pg_wal/ segments, which keep the row images an erasure
// cannot reach; PGlite runs no autovacuum) holds none of their addresses,
// names, phones, IPs or user agents in the clear. The same scan finds values
// written in the clear to a control table.

describe('raw-byte scan of the PGlite data folder (REQ-34, issue #18)', () => {
  let root: string;
  let dataDir: string;
  let journalPath: string;
  let people: ScanPerson[];
  let outcome: ScenarioOutcome;
  let needles: Needle[];
  let controlNeedles: Needle[];
  let files: string[];
  let report: ScanReport;
  let compressed: number;
  /** Raw rows of people erased for good, captured before their erasure. */
  let copies: RawCopy[];
  let reopened: GdprMail;
  /** Erased people whose address opened from what survived on disk (the next test). */
  let opened = -1;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gm-raw-scan-'));
    dataDir = join(root, 'data');
    journalPath = join(root, 'journal', 'erasures.jsonl');
    const tag = runTag();
    // The 21st person never reaches the SDK: their values go to a control
    // table in the clear, so the scan must find every kind of marker.
    const everyone = makePeople(21, tag);
    people = everyone.slice(0, 20);
    const clear = everyone[20]!;

    // Opened here rather than through `{ dataDir }` so the control values go
    // through the very instance (and WAL stream) the SDK wrote with.
    const db = await PGlite.create(dataDir);
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      scanConfig(
        await createPgliteStore({ db }),
        transport,
        createFileErasureJournal({ path: journalPath }),
      ),
    );
    outcome = await runScenario(gdpr, transport, people, {
      beforeErasure: async (toErase) => {
        const forGood = toErase.filter((i) => ![0, 5].includes(i));
        copies = await rawCopies(gdpr, people, forGood);
      },
    });
    expect((await gdpr.audit.verify()).ok).toBe(true);
    compressed = await compressedValues(
      (sql, params) => db.query(sql, params) as never,
      'gdpr_mail',
    );
    await db.exec('CREATE TABLE public.scan_control (t text)');
    for (const value of [clear.email, clear.email.toLowerCase(), clear.name, clear.phone]) {
      await db.query('INSERT INTO public.scan_control (t) VALUES ($1)', [value]);
    }
    await db.query('INSERT INTO public.scan_control (t) VALUES ($1), ($2)', [
      clear.ip,
      clear.userAgent,
    ]);
    await gdpr.close();
    await db.close();

    files = await filesUnder(dataDir);
    needles = needlesOf(people, { proof: true });
    controlNeedles = needlesOf([clear], { proof: true, prefix: 'control' });
    report = await scanFiles(
      files,
      [...needles, ...controlNeedles, ...sealedNeedles(copies)],
      dataDir,
    );

    // Reopened by folder, as an app does.
    reopened = createGdprMail(
      scanConfig(
        await createPgliteStore({ dataDir }),
        new InMemoryTransport(),
        createFileErasureJournal({ path: journalPath }),
      ),
    );
  });

  afterAll(async () => {
    await reopened?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('REQ-34: no address (as given or lower-cased), name, phone, IP or user agent of any of 20 people, erased or not, in any file of the data folder, pg_wal/ included', () => {
    const wal = files.filter((f) => f.includes('/pg_wal/'));
    expect(wal.length).toBeGreaterThan(0);
    expect(report.walSegments).toBeGreaterThan(0);
    const personal = subset(report, (label) => needles.some((n) => n.label === label));
    console.info(
      describeScan(
        `PGlite data folder (${wal.length} files in pg_wal/, ${report.walSegments} read as WAL records too), ${needles.length} markers of ${people.length} people`,
        personal,
      ),
    );
    console.info(
      `[REQ-34 scan] compressed values in the schema (opaque to a byte scan): ${compressed}`,
    );
    expect(personal.hits).toEqual([]);
    // A value PostgreSQL compressed would hide from a byte search: there is none.
    expect(compressed).toBe(0);
  });

  it('REQ-34: the same scan finds each value written in the clear to a control table, in its heap file and in pg_wal/', () => {
    const control = subset(report, (label) => label.startsWith('control '));
    console.info(describeScan('PGlite data folder, control values written in the clear', control));
    for (const needle of controlNeedles) {
      const where = control.hits.filter((h) => h.label === needle.label).map((h) => h.file);
      expect(where.some((f) => f.startsWith('pg_wal/'))).toBe(true);
      expect(where.some((f) => f.startsWith('base/'))).toBe(true);
    }
  });

  it('REQ-34: the erasure journal beside the data holds keyed hashes only', async () => {
    const journalScan = await scanFiles([journalPath], needles, root);
    console.info(describeScan('file erasure journal', journalScan));
    expect(journalScan.bytes).toBeGreaterThan(0);
    expect(journalScan.occurrences).toBe(0);
  });

  it('REQ-34: reopened, the live and re-subscribed people read back in full through the SDK; the erased do not', async () => {
    await expectReadBack(reopened, people, outcome);
  });

  // The hits of the people erased for good: their ciphertext and wrapped key.
  const erasedFound = () => subset(report, (label) => label.startsWith('erased '));

  it('REQ-34: measures what survives of the people erased for good: their ciphertext and wrapped key, in the data folder', async () => {
    opened = await expectSurvivorsOpenWithOldKek(
      reopened,
      people,
      copies,
      erasedFound(),
      'PGlite data folder',
    );
  });

  it('REQ-34: once the KEK is rotated, every live key rewrapped and the old KEK destroyed, no erased person opens from what survived on disk; the live ones still do', async () => {
    expect(opened).toBeGreaterThan(0);
    await expectShreddedAfterKekRetirement(reopened, people, copies, erasedFound(), outcome);
  });
});

describe('the raw scan itself', () => {
  it('REQ-34: finds values that a WAL page header splits in two (it reads WAL records, headers cut out)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gm-raw-scan-wal-'));
    try {
      const dataDir = join(root, 'data');
      const db = await PGlite.create(dataDir);
      await db.exec('CREATE TABLE public.wal_probe (t text)');
      // Long, incompressible values: most 8 KB WAL pages end inside one of them.
      const values = Array.from({ length: 40 }, () => randomBytes(700).toString('hex'));
      for (const value of values) {
        await db.query('INSERT INTO public.wal_probe (t) VALUES ($1)', [value]);
      }
      await db.close();
      const wal = (await filesUnder(dataDir)).filter((f) => f.includes('/pg_wal/'));
      const needles = values.map((value, i) => ({ label: `value ${i}`, value }));
      const report = await scanFiles(wal, needles, dataDir);
      const split = report.hits.filter((h) => h.file.endsWith('(records)'));
      console.info(
        `[REQ-34 scan] WAL probe: ${values.length} values, ${split.length} found only with page headers cut out`,
      );
      expect(report.walSegments).toBeGreaterThan(0);
      for (const needle of needles) {
        expect(report.hits.some((h) => h.label === needle.label)).toBe(true);
      }
      expect(split.length).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
