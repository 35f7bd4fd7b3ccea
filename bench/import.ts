// Contact import throughput, same run: three overlapping generated lists
// (40/35/25 % of the rows) imported with `gdpr.contacts.import`, then imported
// again (every row must be `unchanged` and nothing written).
//
// 1. Memory store (row at a time), MEMORY_ROWS (default 100,000; 0 skips),
//    against a baseline that only parses the same CSV.
// 2. PostgreSQL (set-based: COPY into staging tables), at PG_SMALL_ROWS
//    (default 100,000) and PG_ROWS (default 1,000,000), against a plain COPY of
//    the same CSV files into an unindexed table. The import runs in a child
//    process on the built packages (bench/import-child.mjs, `pnpm build`
//    first), which reports its peak RSS: flat means the same at both sizes.
// 3. PGlite on disk (set-based: COPY FROM '/dev/blob'), PGLITE_ROWS (default 100,000).
//
// Every store's reports are checked row for row against the independent
// Map-based ReferenceImport; the bench fails if they differ, if a re-run
// writes anything, if the ledger or audit chain is broken, or if an address
// is stored in the clear.
// Run: pnpm build && pnpm bench:import
import { fork } from 'node:child_process';
import { createCipheriv, createHash, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ContactImportReport,
  createGdprMail,
  type GdprStore,
  MemoryStore,
} from '@gdpr-mail/core';
import { csvRows } from '@gdpr-mail/core/internal';
import {
  csvChunks,
  type GeneratedList,
  generateContactLists,
  outcomeOf,
  ReferenceImport,
} from '@gdpr-mail/core/testing';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const MEMORY_ROWS = Number(process.env.MEMORY_ROWS ?? 100_000);
const PG_SMALL_ROWS = Number(process.env.PG_SMALL_ROWS ?? 100_000);
const PG_ROWS = Number(process.env.PG_ROWS ?? 1_000_000);
const PGLITE_ROWS = Number(process.env.PGLITE_ROWS ?? 100_000);
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_import_${process.pid}`;

function generate(rows: number) {
  return generateContactLists({
    seed: 7,
    sizes: [Math.round(rows * 0.4), Math.round(rows * 0.35), Math.round(rows * 0.25)],
    people: Math.round(rows * 0.6),
    suppressed: Math.round(rows / 200),
  });
}

const failures: string[] = [];
function check(ok: boolean, what: string) {
  if (!ok) failures.push(what);
}

/** Compares each list's report with the reference, and the re-run with "all unchanged". */
function checkAgainstReference(
  label: string,
  lists: GeneratedList[],
  suppressed: string[],
  first: ContactImportReport[],
  again: ContactImportReport[],
): number {
  const reference = new ReferenceImport(new Set(suppressed), 'en');
  lists.forEach((list, i) => {
    const expected = JSON.stringify(reference.run(list));
    const got = JSON.stringify(outcomeOf(first[i]!));
    check(
      got === expected,
      `${label}: list ${i + 1} differs from the reference: ${got} vs ${expected}`,
    );
    const accepted = list.rows.length - first[i]!.rejected;
    const re = again[i]!;
    check(
      re.unchanged === accepted && re.created + re.merged + re.flagged + re.consentRecorded === 0,
      `${label}: re-run of list ${i + 1} is not all unchanged`,
    );
  });
  return reference.contacts.size;
}

function seconds(ms: number) {
  return `${(ms / 1000).toFixed(2).padStart(7)} s`;
}

/**
 * The CPU an encrypted import cannot avoid, timed here with node:crypto the way
 * the SDK does it (issue #18): per row, the two keyed hashes of the address
 * (subject and suppression); per new contact, a fresh data key wrapped under the
 * KEK, the address sealed under it (AES-256-GCM) and the audit entry's hash.
 * Set beside the plain COPY it shows how far any import that keeps those
 * guarantees stays from it on one core.
 */
function cryptoFloorMs(
  rows: number,
  contacts: number,
): { ms: number; rowUs: number; contactUs: number } {
  const pepper = createSecretKey(randomBytes(32));
  const kek = createSecretKey(randomBytes(32));
  const seal = (key: ReturnType<typeof createSecretKey>, text: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('subjects/id/email'));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  };
  const time = (n: number, fn: (i: number) => unknown) => {
    for (let i = 0; i < 2_000; i++) fn(i);
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    return ((performance.now() - start) * 1000) / n;
  };
  const rowUs = time(50_000, (i) =>
    ['subject', 'suppression'].map((domain) =>
      createHmac('sha256', pepper)
        .update(domain)
        .update('\u0000')
        .update(`p${i}@example.com`)
        .digest('hex'),
    ),
  );
  const contactUs = time(50_000, (i) => {
    const key = createSecretKey(randomBytes(32));
    seal(kek, key.export().toString('base64url'));
    seal(key, `p${i}@example.com`);
    return createHash('sha256')
      .update(
        JSON.stringify({
          action: 'contact.imported',
          subjectRef: `id-${i}`,
          seq: i,
          prevHash: 'f'.repeat(64),
        }),
      )
      .digest('hex');
  });
  return { ms: (rows * rowUs + contacts * contactUs) / 1000, rowUs, contactUs };
}

function line(name: string, rows: number, ms: number, extra = '') {
  const perSecond = Math.round(rows / (ms / 1000));
  console.log(
    `${name.padEnd(34)} ${rows.toLocaleString('en').padStart(9)} rows ${seconds(ms)} ${perSecond.toLocaleString('en').padStart(9)} rows/s  ${extra}`,
  );
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

// --- 1. Memory store --------------------------------------------------------

async function importAll(store: GdprStore, all: GeneratedList[]) {
  const gdpr = createGdprMail({ ...benchConfig(), store });
  const run = async () => {
    const start = performance.now();
    const reports: ContactImportReport[] = [];
    for (const list of all) {
      reports.push(
        await gdpr.contacts.import(csvChunks(list), {
          basis: 'consent',
          list: list.name,
          source: list.source,
          defaultLanguage: 'en',
        }),
      );
    }
    return { ms: performance.now() - start, reports };
  };
  const first = await run();
  const again = await run();
  return { first, again };
}

if (MEMORY_ROWS > 0) {
  const { lists } = generate(MEMORY_ROWS);
  const start = performance.now();
  let n = 0;
  for (const list of lists) for await (const _ of csvRows(csvChunks(list))) n += 1;
  const parseMs = performance.now() - start;
  line('parse only (baseline)', n, parseMs);
  // No suppressions in the memory run: the reference is told the same.
  const memory = await importAll(new MemoryStore(), lists);
  checkAgainstReference('memory', lists, [], memory.first.reports, memory.again.reports);
  line(
    'memory, first run',
    MEMORY_ROWS,
    memory.first.ms,
    `${(memory.first.ms / parseMs).toFixed(1)}x parse-only`,
  );
  line(
    'memory, re-run',
    MEMORY_ROWS,
    memory.again.ms,
    `${(memory.again.ms / parseMs).toFixed(1)}x parse-only`,
  );
}

// --- 2 and 3. SQL stores, set-based -------------------------------------------

interface ChildResult {
  first: { ms: number; cpuMs: number; reports: ContactImportReport[] };
  again: { ms: number; cpuMs: number; reports: ContactImportReport[] };
  afterFirst: Record<string, unknown>;
  afterAgain: Record<string, unknown>;
  ledgerBroken: number;
  clearAddresses: number;
  auditOk: boolean;
  maxRss: number;
}

interface Files {
  dir: string;
  files: Array<{ path: string; name: string; source: string }>;
  suppressedFile: string;
}

async function writeFiles(lists: GeneratedList[], suppressed: string[]): Promise<Files> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const files = [];
  for (const [i, list] of lists.entries()) {
    const path = join(dir, `list-${i + 1}.csv`);
    await pipeline(Readable.from(csvChunks(list, { rowsPerChunk: 1000 })), createWriteStream(path));
    files.push({ path, name: list.name, source: list.source });
  }
  const suppressedFile = join(dir, 'suppressed.txt');
  writeFileSync(suppressedFile, suppressed.join('\n'));
  return { dir, files, suppressedFile };
}

function runChild(job: object): Promise<ChildResult> {
  const child = fork(
    new URL('./import-child.mjs', import.meta.url).pathname,
    [JSON.stringify(job)],
    {
      execArgv: process.env.IMPORT_CHILD_ARGS?.split(' ') ?? [],
    },
  );
  return new Promise<ChildResult>((resolve, reject) => {
    let result: ChildResult | undefined;
    child.once('message', (m) => {
      result = m as ChildResult;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`import child exited with ${code}`)),
    );
  });
}

/** Every check of one child's run; the number of contacts the reference expects. */
function verify(label: string, generated: ReturnType<typeof generate>, r: ChildResult): number {
  checkChild(label, r);
  const people = checkAgainstReference(
    label,
    generated.lists,
    generated.suppressed,
    r.first.reports,
    r.again.reports,
  );
  check(
    r.afterFirst.subjects === people,
    `${label}: ${r.afterFirst.subjects} subjects, reference ${people}`,
  );
  return people;
}

function checkChild(label: string, r: ChildResult) {
  check(
    JSON.stringify(r.afterFirst) === JSON.stringify(r.afterAgain),
    `${label}: the re-run wrote something (${JSON.stringify(r.afterFirst)} -> ${JSON.stringify(r.afterAgain)})`,
  );
  check(r.ledgerBroken === 0, `${label}: ${r.ledgerBroken} ledger links broken`);
  check(r.clearAddresses === 0, `${label}: ${r.clearAddresses} addresses stored in the clear`);
  check(r.auditOk, `${label}: the audit chain does not verify`);
}

/** A plain COPY of the same CSV files into an unindexed table: the floor of any import. */
async function plainCopy(pool: pg.Pool, files: Files): Promise<number> {
  const fromPostgres = createRequire(import.meta.resolve('@gdpr-mail/postgres'));
  const { from: copyFrom } = fromPostgres('pg-copy-streams') as {
    from(sql: string): Writable;
  };
  const table = `"${SCHEMA}".plain_copy`;
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.query(
    `CREATE TABLE ${table} (email text, language text, consent_date text, notes text)`,
  );
  const client = await pool.connect();
  try {
    const start = performance.now();
    for (const file of files.files) {
      const stream = client.query(
        copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`) as never,
      ) as unknown as Writable;
      await pipeline(createReadStream(file.path), stream);
    }
    return performance.now() - start;
  } finally {
    client.release();
    await pool.query(`DROP TABLE ${table}`);
  }
}

const config = benchConfig();
const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
await pool.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
const rss: Record<number, number> = {};
try {
  for (const rows of [...new Set([PG_SMALL_ROWS, PG_ROWS])].filter((n) => n > 0)) {
    const generated = generate(rows);
    const files = await writeFiles(generated.lists, generated.suppressed);
    const schema = `${SCHEMA}_${rows}`;
    try {
      const copyMs = await plainCopy(pool, files);
      const r = await runChild({
        store: 'postgres',
        url: PG_URL,
        schema,
        config,
        files: files.files,
        suppressedFile: files.suppressedFile,
      });
      const people = verify(`PostgreSQL ${rows.toLocaleString('en')}`, generated, r);
      rss[rows] = r.maxRss;
      line('PostgreSQL plain COPY (baseline)', rows, copyMs);
      line(
        'PostgreSQL, first run',
        rows,
        r.first.ms,
        `${(r.first.ms / copyMs).toFixed(2)}x plain COPY, importer CPU ${seconds(r.first.cpuMs)}`,
      );
      line(
        'PostgreSQL, re-run',
        rows,
        r.again.ms,
        `${(r.again.ms / copyMs).toFixed(2)}x plain COPY, importer CPU ${seconds(r.again.cpuMs)}`,
      );
      console.log(
        `  child peak RSS ${mib(r.maxRss)}; ${people.toLocaleString('en')} contacts, reference agrees`,
      );
      const floor = cryptoFloorMs(rows, people);
      console.log(
        `  crypto floor (keyed hashes ${floor.rowUs.toFixed(1)} µs a row, key + wrap + seal + audit hash ${floor.contactUs.toFixed(1)} µs a new contact): ${seconds(floor.ms)} on one core = ${(floor.ms / copyMs).toFixed(1)}x plain COPY`,
      );
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      rmSync(files.dir, { recursive: true, force: true });
    }
  }
  const sizes = Object.keys(rss).map(Number);
  if (sizes.length === 2) {
    const ratio = rss[sizes[1]!]! / rss[sizes[0]!]!;
    console.log(
      `peak RSS ${sizes.map((n) => `${n.toLocaleString('en')}: ${mib(rss[n]!)}`).join(', ')} (ratio ${ratio.toFixed(2)})`,
    );
  }

  if (PGLITE_ROWS > 0) {
    const generated = generate(PGLITE_ROWS);
    const files = await writeFiles(generated.lists, generated.suppressed);
    try {
      const r = await runChild({
        store: 'pglite',
        dataDir: join(files.dir, 'pglite'),
        schema: 'gdpr_mail',
        config,
        files: files.files,
        suppressedFile: files.suppressedFile,
      });
      const people = verify(`PGlite ${PGLITE_ROWS.toLocaleString('en')}`, generated, r);
      line('PGlite on disk, first run', PGLITE_ROWS, r.first.ms, `CPU ${seconds(r.first.cpuMs)}`);
      line('PGlite on disk, re-run', PGLITE_ROWS, r.again.ms, `CPU ${seconds(r.again.cpuMs)}`);
      console.log(
        `  child peak RSS ${mib(r.maxRss)}; ${people.toLocaleString('en')} contacts, reference agrees`,
      );
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  }
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await pool.end();
}

console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
