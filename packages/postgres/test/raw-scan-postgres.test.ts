import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { createPostgresErasureJournal, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';
import type {
  Needle,
  PgTools,
  RawCopy,
  ScanPerson,
  ScanReport,
  ScenarioOutcome,
} from './raw-scan.js';
import {
  compressedValues,
  describeScan,
  dumpSchema,
  expectReadBack,
  expectShreddedAfterKekRetirement,
  expectSurvivorsOpenWithOldKek,
  makePeople,
  needlesOf,
  pgTools,
  rawCopies,
  relationFiles,
  requirePgClients,
  requirePgDataDirectory,
  runScenario,
  runTag,
  scanBuffers,
  scanConfig,
  scanFiles,
  sealedNeedles,
  subset,
} from './raw-scan.js';

// Issue #18 acceptance, PostgreSQL: the raw bytes an operator can copy
// (a pg_dump, the table files under the data directory, the WAL) hold no
// person's address, name, phone, IP or user agent in the clear, erased or
// not. The same scans find values written in the clear to a control table.

const gates = [await requirePostgres(), await requirePgClients(), await requirePgDataDirectory()];
const gate = gates.find((g) => !g.available) ?? gates[0]!;

gate.describe('raw-byte scans of PostgreSQL (REQ-34, issue #18)', () => {
  let pool: pg.Pool;
  let tools: PgTools;
  const schema = freshSchema();
  const journalSchema = freshSchema();
  let people: ScanPerson[];
  let outcome: ScenarioOutcome;
  let needles: Needle[];
  let controlNeedles: Needle[];
  let copies: RawCopy[];
  let compressed: number;
  let relations: string[];
  let dump: ScanReport;
  let tableFiles: ScanReport;
  let wal: ScanReport;
  let reopened: GdprMail;
  /** Erased people whose address opened from what survived on disk (the next test). */
  let opened = -1;

  const journal = () => createPostgresErasureJournal({ pool, schema: journalSchema });

  /** Every relation of the schema with its TOAST table and TOAST index, and their files. */
  async function schemaFiles(): Promise<{ names: string[]; files: string[] }> {
    const { rows } = await pool.query<{ name: string; path: string }>(
      `WITH own AS (
         SELECT c.oid, c.reltoastrelid FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
       ), rels AS (
         SELECT oid FROM own
         UNION SELECT reltoastrelid FROM own WHERE reltoastrelid <> 0
         UNION SELECT i.indexrelid FROM pg_index i JOIN own ON i.indrelid = own.reltoastrelid
       )
       SELECT oid::regclass::text AS name, pg_relation_filepath(oid) AS path
       FROM rels WHERE pg_relation_filepath(oid) IS NOT NULL ORDER BY 1`,
      [schema],
    );
    const files: string[] = [];
    for (const row of rows)
      files.push(...(await relationFiles(join(tools.dataDirectory, row.path))));
    return { names: rows.map((r) => r.name), files };
  }

  /** WAL segments written to since `since`: the server's WAL is shared, the markers are unique. */
  async function walSince(since: number): Promise<string[]> {
    const dir = join(tools.dataDirectory, 'pg_wal');
    const out: string[] = [];
    for (const name of await readdir(dir)) {
      if (!/^[0-9A-F]{24}$/.test(name)) continue;
      if ((await stat(join(dir, name))).mtimeMs >= since) out.push(join(dir, name));
    }
    return out;
  }

  beforeAll(async () => {
    // The file system's clock is coarser than ours: a second of slack.
    const started = Date.now() - 1000;
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    tools = await pgTools();
    const everyone = makePeople(21, runTag());
    people = everyone.slice(0, 20);
    // The 21st person never reaches the SDK: written in the clear, the scans must find them.
    const clear = everyone[20]!;

    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      scanConfig(await createPostgresStore({ pool, schema }), transport, journal()),
    );
    outcome = await runScenario(gdpr, transport, people, {
      beforeErasure: async (toErase) => {
        const forGood = toErase.filter((i) => ![0, 5].includes(i));
        copies = await rawCopies(gdpr, people, forGood);
      },
    });
    expect((await gdpr.audit.verify()).ok).toBe(true);
    await gdpr.close();
    await pool.query(`CREATE TABLE "${schema}".scan_control (t text)`);
    for (const value of [clear.email, clear.email.toLowerCase(), clear.name, clear.phone]) {
      await pool.query(`INSERT INTO "${schema}".scan_control (t) VALUES ($1)`, [value]);
    }
    await pool.query(`INSERT INTO "${schema}".scan_control (t) VALUES ($1), ($2)`, [
      clear.ip,
      clear.userAgent,
    ]);
    compressed = await compressedValues((sql, params) => pool.query(sql, params), schema);
    // Dirty pages reach the table files.
    await pool.query('CHECKPOINT');

    needles = needlesOf(people, { proof: true });
    controlNeedles = needlesOf([clear], { proof: true, prefix: 'control' });
    const all = [...needles, ...controlNeedles, ...sealedNeedles(copies)];
    dump = scanBuffers([{ name: 'pg_dump', bytes: await dumpSchema(tools, schema) }], all);
    const { names, files } = await schemaFiles();
    relations = names;
    tableFiles = await scanFiles(files, all, tools.dataDirectory);
    wal = await scanFiles(await walSince(started), all, tools.dataDirectory);

    reopened = createGdprMail(
      scanConfig(await createPostgresStore({ pool, schema }), new InMemoryTransport(), journal()),
    );
  });

  afterAll(async () => {
    await reopened?.close();
    for (const s of [schema, journalSchema])
      await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await pool.end();
  });

  const personal = (report: ScanReport) =>
    subset(report, (label) => needles.some((n) => n.label === label));
  const control = (report: ScanReport) => subset(report, (label) => label.startsWith('control '));
  const expectEveryControl = (report: ScanReport) => {
    for (const needle of controlNeedles) {
      expect(report.hits.some((h) => h.label === needle.label)).toBe(true);
    }
  };

  it('REQ-34: pg_dump --schema holds no address, name, phone, IP or user agent of any of 20 people; it holds every clear control value', () => {
    console.info(
      describeScan(
        `pg_dump --schema, ${needles.length} markers of ${people.length} people`,
        personal(dump),
      ),
    );
    console.info(describeScan('pg_dump --schema, clear control', control(dump)));
    expect(personal(dump).hits).toEqual([]);
    expectEveryControl(dump);
  });

  it('REQ-34: the files of every relation of the schema (tables, indexes, TOAST), read from the data directory after a CHECKPOINT, hold none; they hold every clear control value', () => {
    for (const table of ['subjects', 'consent_events', 'deliveries', 'scan_control']) {
      expect(relations).toContain(`${schema}.${table}`);
    }
    expect(relations.some((n) => n.startsWith('pg_toast.'))).toBe(true);
    console.info(
      describeScan(
        `table files of ${relations.length} relations (tables, indexes, TOAST)`,
        personal(tableFiles),
      ),
    );
    console.info(describeScan('table files, clear control', control(tableFiles)));
    console.info(
      `[REQ-34 scan] compressed values in the schema (opaque to a byte scan): ${compressed}`,
    );
    expect(personal(tableFiles).hits).toEqual([]);
    expectEveryControl(tableFiles);
    expect(compressed).toBe(0);
  });

  it('REQ-34: the WAL segments written during the run, read as bytes and as records, hold none; they hold every clear control value', () => {
    expect(wal.walSegments).toBeGreaterThan(0);
    console.info(describeScan('pg_wal segments written during the run', personal(wal)));
    console.info(describeScan('pg_wal, clear control', control(wal)));
    expect(personal(wal).hits).toEqual([]);
    expectEveryControl(wal);
  });

  it('REQ-34: reopened, the live and re-subscribed people read back in full through the SDK; the erased do not', async () => {
    await expectReadBack(reopened, people, outcome);
  });

  // The hits of the people erased for good in the WAL and the table files.
  const erasedFound = (): ScanReport =>
    subset(
      {
        ...wal,
        files: wal.files + tableFiles.files,
        bytes: wal.bytes + tableFiles.bytes,
        hits: [...wal.hits, ...tableFiles.hits],
      },
      (label) => label.startsWith('erased '),
    );

  it('REQ-34: measures what survives of the people erased for good: their ciphertext and wrapped key, in the WAL and table files', async () => {
    opened = await expectSurvivorsOpenWithOldKek(
      reopened,
      people,
      copies,
      erasedFound(),
      'WAL and table files',
    );
  });

  it('REQ-34: once the KEK is rotated, every live key rewrapped and the old KEK destroyed, no erased person opens from what survived on disk; the live ones still do', async () => {
    expect(opened).toBeGreaterThan(0);
    await expectShreddedAfterKekRetirement(reopened, people, copies, erasedFound(), outcome);
  });
});
