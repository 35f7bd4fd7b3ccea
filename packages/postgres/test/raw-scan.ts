import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErasureJournal, GdprMail, GdprStore, SubjectRecord } from '@gdpr-mail/core';
import {
  createGdprMail,
  createMemoryErasureJournal,
  InMemoryTransport,
  isEncryptedStore,
  isGdprMailError,
} from '@gdpr-mail/core';
import { checkboxEvidence, requireService, testConfig } from '@gdpr-mail/core/testing';
import pg from 'pg';
import { expect } from 'vitest';
import { POSTGRES_URL } from './helpers.js';

/**
 * Raw-byte scans of what a store leaves on disk (issue #18, REQ-34): every
 * file is read as bytes and searched for each marker, whatever the file's
 * format (heap pages, WAL segments, TOAST, pg_dump text). Markers are unique
 * per run, so a scan that finds none of them cannot pass by accident.
 */

export interface ScanPerson {
  /** As the app gives it: mixed case, so the scan also looks for the lower-cased form. */
  email: string;
  name: string;
  phone: string;
  ip: string;
  userAgent: string;
}

/** A value to look for, with a label that names it without repeating it. */
export interface Needle {
  label: string;
  value: string;
}

export interface ScanHit {
  file: string;
  label: string;
  count: number;
}

export interface ScanReport {
  files: number;
  bytes: number;
  /** Occurrences of all needles in all files. */
  occurrences: number;
  hits: ScanHit[];
  /** Files also read as WAL records, page headers cut out. */
  walSegments?: number;
}

/** A run tag of six hex digits (and the same as six decimal digits for phone numbers). */
export function runTag(): { hex: string; digits: string } {
  const bytes = randomBytes(4);
  const hex = bytes.toString('hex').slice(0, 6).toUpperCase();
  const digits = String(bytes.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  return { hex, digits };
}

/**
 * `count` people whose every value holds the run tag and a two-digit index,
 * so no value is a prefix of another and none can occur on disk by chance.
 */
export function makePeople(count: number, tag = runTag()): ScanPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(2, '0');
    const d = tag.digits;
    return {
      email: `Wendeline.Scan${tag.hex}.${n}@Example.org`,
      name: `Wendeline${tag.hex}${n} Quarrington`,
      phone: `+33 7 ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 6)} ${n}`,
      // 203.0.113.0/24 is a documentation range (RFC 5737): never a real host.
      ip: `203.0.113.${100 + i}`,
      userAgent: `ScanMarkerAgent/${tag.hex}.${n} (quarrington)`,
    };
  });
}

/**
 * The needles of the people: address as given and lower-cased, name, phone,
 * and (with `proof`) the IP and user agent of their consent proof.
 */
export function needlesOf(
  people: readonly ScanPerson[],
  options: { proof?: boolean; prefix?: string } = {},
): Needle[] {
  const out: Needle[] = [];
  people.forEach((p, i) => {
    const who = `${options.prefix ?? 'person'} ${i}`;
    out.push({ label: `${who} address`, value: p.email });
    if (p.email.toLowerCase() !== p.email) {
      out.push({ label: `${who} address (lower-cased)`, value: p.email.toLowerCase() });
    }
    out.push({ label: `${who} name`, value: p.name });
    out.push({ label: `${who} phone`, value: p.phone });
    if (options.proof) {
      out.push({ label: `${who} IP`, value: p.ip });
      out.push({ label: `${who} user agent`, value: p.userAgent });
    }
  });
  return out;
}

/** Non-overlapping occurrences of `needle` in `haystack`. */
export function countOccurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (
    let at = haystack.indexOf(needle);
    at !== -1;
    at = haystack.indexOf(needle, at + needle.length)
  ) {
    count += 1;
  }
  return count;
}

/** Every regular file under `dir`, recursively (pg_wal/ included). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** XLogPageHeaderData's xlp_info bit for the long header of a segment's first page. */
const XLP_LONG_HEADER = 0x0002;

/**
 * A WAL segment with its page headers cut out, so a record that crosses a
 * page boundary (every 8 KB) is contiguous again; undefined for a file that
 * is not a WAL segment. A raw byte search alone misses a value split by a
 * page header: the scan reads both forms.
 */
export function walRecordStream(segment: Buffer): Buffer | undefined {
  // Long header: magic u16, info u16, timeline u32, pageaddr u64, rem_len u32,
  // (pad), system id u64, segment size u32, page size u32: 40 bytes.
  if (segment.length < 40 || (segment.readUInt16LE(2) & XLP_LONG_HEADER) === 0) return undefined;
  const magic = segment.readUInt16LE(0);
  const segmentSize = segment.readUInt32LE(32);
  const pageSize = segment.readUInt32LE(36);
  if (segmentSize !== segment.length || pageSize < 1024 || segmentSize % pageSize !== 0) {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (let page = 0; page < segment.length; page += pageSize) {
    if (segment.readUInt16LE(page) !== magic) {
      // Never written (zeroed): nothing past here.
      break;
    }
    const long = (segment.readUInt16LE(page + 2) & XLP_LONG_HEADER) !== 0;
    parts.push(segment.subarray(page + (long ? 40 : 24), page + pageSize));
  }
  return Buffer.concat(parts);
}

/** Scans bytes already in memory (a pg_dump output, say) under a name of its own. */
export function scanBuffers(
  buffers: readonly { name: string; bytes: Buffer }[],
  needles: readonly Needle[],
): ScanReport {
  const encoded = needles.map((n) => ({ label: n.label, bytes: Buffer.from(n.value, 'utf8') }));
  const report: ScanReport = { files: 0, bytes: 0, occurrences: 0, hits: [] };
  for (const { name, bytes } of buffers) {
    report.files += 1;
    report.bytes += bytes.length;
    for (const needle of encoded) {
      const count = countOccurrences(bytes, needle.bytes);
      if (count === 0) continue;
      report.occurrences += count;
      report.hits.push({ file: name, label: needle.label, count });
    }
  }
  return report;
}

/** Reads each file as raw bytes and scans it; `root` is cut from the names in hits. */
export async function scanFiles(
  paths: readonly string[],
  needles: readonly Needle[],
  root = '',
): Promise<ScanReport> {
  const total: ScanReport = { files: 0, bytes: 0, occurrences: 0, hits: [] };
  for (const path of paths) {
    // One file at a time: WAL segments are 16 MB each.
    const name = root && path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
    const bytes = await readFile(path);
    const one = scanBuffers([{ name, bytes }], needles);
    const stream = walRecordStream(bytes);
    if (stream) {
      // Hits the raw search already counted are not counted twice: only those it missed.
      const joined = scanBuffers([{ name: `${name} (records)`, bytes: stream }], needles);
      for (const hit of joined.hits) {
        const raw = one.hits.find((h) => h.label === hit.label)?.count ?? 0;
        if (hit.count > raw) {
          one.hits.push({ ...hit, count: hit.count - raw });
          one.occurrences += hit.count - raw;
        }
      }
      one.walSegments = 1;
    }
    total.files += one.files;
    total.bytes += one.bytes;
    total.occurrences += one.occurrences;
    total.hits.push(...one.hits);
    total.walSegments = (total.walSegments ?? 0) + (one.walSegments ?? 0);
  }
  return total;
}

/** The files of a relation as PostgreSQL lays them out: main fork segments, FSM and VM. */
export async function relationFiles(base: string): Promise<string[]> {
  const candidates = [base, `${base}_fsm`, `${base}_vm`, `${base}_init`];
  for (let segment = 1; ; segment += 1) {
    const path = `${base}.${segment}`;
    if (!(await exists(path))) break;
    candidates.push(path);
  }
  const out: string[] = [];
  for (const path of candidates) if (await exists(path)) out.push(path);
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** One line of figures for the test output; hits are named by label, never by value. */
export function describeScan(title: string, report: ScanReport): string {
  const mb = (report.bytes / 1_048_576).toFixed(1);
  const hits = report.hits.map((h) => `${h.label} x${h.count} in ${h.file}`).join('; ');
  return `[REQ-34 scan] ${title}: ${report.files} files, ${report.bytes} bytes (${mb} MiB), ${report.occurrences} occurrences${hits ? ` (${hits})` : ''}`;
}

/** Which people the scenario erased, brought back, or left alone. */
export interface ScenarioOutcome {
  /** Erased through a verified DSAR (suppressed for good). */
  dsarErased: number[];
  /** Deleted by an operator (`subjects.delete`). */
  deleted: number[];
  /** Erased, then signed up again (a fresh row under a fresh data key). */
  resubscribed: number[];
  /** Never erased; the last one is the control person read back after reopening. */
  live: number[];
}

/** Records one person: consent with IP and user agent, name and phone, and one mail sent. */
export async function seedPerson(gdpr: GdprMail, p: ScanPerson): Promise<void> {
  await gdpr.consent.record({
    email: p.email,
    purposes: ['newsletter'],
    evidence: { ...checkboxEvidence, ip: p.ip, userAgent: p.userAgent },
  });
  await gdpr.subjects.upsert(p.email, { name: p.name, phone: p.phone });
  await gdpr.mailer.send({
    to: { address: p.email, name: p.name },
    purposeId: 'newsletter',
    subject: 'News',
    text: 'Hello',
  });
}

/** A DSAR erasure as the person does it: request, the link mailed to them, verify, erase. */
export async function eraseByDsar(
  gdpr: GdprMail,
  transport: InMemoryTransport,
  email: string,
): Promise<void> {
  await gdpr.dsar.request({ email, type: 'erasure' });
  const mail = transport.sentTo(email.toLowerCase()).at(-1)?.message.text ?? '';
  const token = /\/dsar\/verify\/(\S+)/.exec(mail)?.[1];
  if (!token) throw new Error('no DSAR verification link was mailed');
  const request = await gdpr.dsar.verify(token);
  await gdpr.dsar.erase(request.id);
}

/**
 * The scan scenario on `people` (at least 12): all recorded; 0-4 erased by
 * DSAR, 5-8 deleted by an operator; 0 and 5 sign up again afterwards (the
 * address is written anew, to heap and WAL); the others stay, the last being
 * the control person.
 */
export async function runScenario(
  gdpr: GdprMail,
  transport: InMemoryTransport,
  people: readonly ScanPerson[],
  hooks: { beforeErasure?: (toErase: number[]) => Promise<void> } = {},
): Promise<ScenarioOutcome> {
  for (const p of people) await seedPerson(gdpr, p);
  const dsarErased = [0, 1, 2, 3, 4];
  const deleted = [5, 6, 7, 8];
  await hooks.beforeErasure?.([...dsarErased, ...deleted]);
  for (const i of dsarErased) await eraseByDsar(gdpr, transport, people[i]!.email);
  for (const i of deleted) {
    await gdpr.subjects.delete(people[i]!.email, { actor: 'admin', reason: 'scan test' });
  }
  const resubscribed = [0, 5];
  for (const i of resubscribed) {
    const p = people[i]!;
    await gdpr.consent.record({
      email: p.email,
      purposes: ['newsletter'],
      evidence: { ...checkboxEvidence, ip: p.ip, userAgent: p.userAgent },
    });
    await gdpr.subjects.upsert(p.email, { name: p.name, phone: p.phone });
  }
  const gone = new Set([...dsarErased, ...deleted]);
  const live = people.map((_, i) => i).filter((i) => !gone.has(i));
  return { dsarErased, deleted, resubscribed, live };
}

/**
 * A PostgreSQL client program of the server's major version (Debian keeps
 * them in /usr/lib/postgresql/<major>/bin), else the one on PATH.
 */
export async function pgBinary(name: 'pg_dump' | 'psql', serverMajor: number): Promise<string> {
  const versioned = `/usr/lib/postgresql/${serverMajor}/bin/${name}`;
  try {
    await access(versioned);
    return versioned;
  } catch {
    return name;
  }
}

/** Runs a program to its end: its stdout as bytes, or a failure with its stderr. */
export function runProgram(
  command: string,
  args: readonly string[],
  input?: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new Error(
            `${command} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`,
          ),
        );
    });
    // A program that exits without reading its input (pg_dump) closes the pipe:
    // that EPIPE is not the failure, its exit code says whether it failed.
    child.stdin.on('error', () => undefined);
    if (input === undefined) child.stdin.end();
    else child.stdin.end(input);
  });
}

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * How many values in the schema's tables PostgreSQL compressed (those over
 * about 2 kB): a byte scan cannot see inside them, so its claim holds only
 * where this is 0.
 */
export async function compressedValues(query: Query, schema: string): Promise<number> {
  const { rows: columns } = await query(
    `SELECT c.relname AS t, a.attname AS c FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attlen = -1`,
    [schema],
  );
  let count = 0;
  for (const { t, c } of columns) {
    const { rows } = await query(
      `SELECT count(*)::int AS n FROM "${schema}"."${String(t)}" WHERE pg_column_compression("${String(c)}") IS NOT NULL`,
    );
    count += Number(rows[0]!.n);
  }
  return count;
}

/** A subject row as the raw store keeps it, captured before its erasure. */
export interface RawCopy {
  index: number;
  row: SubjectRecord;
}

/** The raw rows of `indexes`, read under the SDK (ciphertext and wrapped key). */
export async function rawCopies(
  gdpr: GdprMail,
  people: readonly ScanPerson[],
  indexes: readonly number[],
): Promise<RawCopy[]> {
  if (!isEncryptedStore(gdpr.store)) throw new Error('the SDK store encrypts');
  const out: RawCopy[] = [];
  for (const index of indexes) {
    const id = (await gdpr.subjects.get(people[index]!.email))!.id;
    out.push({ index, row: (await gdpr.store.raw.getSubject(id))! });
  }
  return out;
}

/** Needles for the wrapped data key and the sealed address of each copy. */
export function sealedNeedles(copies: readonly RawCopy[]): Needle[] {
  return copies.flatMap(({ index, row }) => [
    { label: `erased ${index} wrapped data key`, value: row.dataKey! },
    { label: `erased ${index} sealed address`, value: row.email },
  ]);
}

/**
 * How many erased people can be read back from what survived on disk: each
 * copy whose wrapped key and sealed address were both found in `found` is
 * planted back as a row through the raw store and opened with the config's
 * KEKs. The planted rows are removed again.
 */
export async function recoverable(
  gdpr: GdprMail,
  people: readonly ScanPerson[],
  copies: readonly RawCopy[],
  found: ScanReport,
): Promise<number> {
  if (!isEncryptedStore(gdpr.store)) throw new Error('the SDK store encrypts');
  const raw = gdpr.store.raw;
  const seen = new Set(found.hits.map((h) => h.label));
  let opened = 0;
  for (const { index, row } of copies) {
    if (
      !seen.has(`erased ${index} wrapped data key`) ||
      !seen.has(`erased ${index} sealed address`)
    ) {
      continue;
    }
    await raw.createSubject({ ...row, profile: {} });
    try {
      const back = await gdpr.store.getSubject(row.id);
      if (back?.email === people[index]!.email.toLowerCase()) opened += 1;
    } catch (error) {
      // A destroyed data key (CIPHERTEXT_INVALID) or a destroyed KEK
      // (ENCRYPTION_KEY_UNKNOWN) is what shredding promises; anything else is a failure.
      if (
        !isGdprMailError(error, 'CIPHERTEXT_INVALID') &&
        !isGdprMailError(error, 'ENCRYPTION_KEY_UNKNOWN')
      ) {
        throw error;
      }
    } finally {
      await raw.deleteSubject(row.id);
    }
  }
  return opened;
}

/** The part of a report whose hits `keep` accepts, with its occurrences recounted. */
export function subset(report: ScanReport, keep: (label: string) => boolean): ScanReport {
  const hits = report.hits.filter((h) => keep(h.label));
  return { ...report, hits, occurrences: hits.reduce((n, h) => n + h.count, 0) };
}

/** The KEK the scan scenarios write under: configured, so it can be destroyed (unlike the pepper's). */
export const OLD_KEK = { id: 'kek-2026-11', secret: 'scan-old-kek-secret-0123456789-abcdefghij' };
/** The KEK a rotation puts first. */
export const NEW_KEK = { id: 'kek-2026-12', secret: 'scan-new-kek-secret-0123456789-abcdefghij' };

/** The config of the scan tests: IP and user agent recorded, a journal of the test's own. */
export function scanConfig(
  store: GdprStore,
  transport: InMemoryTransport,
  journal: ErasureJournal,
  keks: readonly { id: string; secret: string }[] = [OLD_KEK],
) {
  const base = testConfig();
  return testConfig({
    store,
    transport,
    mailer: {
      from: { address: 'news@acme.test' },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    },
    secrets: { ...base.secrets, encryptionKeys: [...keks] },
    proof: { recordIp: true, recordUserAgent: true },
    encryption: { erasureJournal: journal, pepperKey: false },
  });
}

/** The libpq arguments of the test database, for pg_dump and psql. */
export const PG_ARGS = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'test'];

export interface PgTools {
  /** The server's data directory (`SHOW data_directory`). */
  dataDirectory: string;
  pgDump: string;
  psql: string;
}

/** The server's data directory and the client programs of its major version. */
export async function pgTools(): Promise<PgTools> {
  const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    const { rows } = await probe.query<{ dir: string; v: string }>(
      `SELECT current_setting('data_directory') AS dir, current_setting('server_version_num') AS v`,
    );
    const major = Math.floor(Number(rows[0]!.v) / 10_000);
    return {
      dataDirectory: rows[0]!.dir,
      pgDump: await pgBinary('pg_dump', major),
      psql: await pgBinary('psql', major),
    };
  } finally {
    await probe.end();
  }
}

/** pg_dump and psql of the server's version: skip locally when absent, fail under GDPR_MAIL_REQUIRE_SERVICES=1. */
export function requirePgClients() {
  return requireService("pg_dump and psql of the PostgreSQL server's version", async () => {
    const tools = await pgTools();
    await runProgram(tools.pgDump, ['--version']);
    await runProgram(tools.psql, ['--version']);
  });
}

/**
 * The server's files, read straight from disk: the server on this machine and
 * a user allowed to read its data directory (root or postgres).
 */
export function requirePgDataDirectory() {
  return requireService('a readable PostgreSQL data directory on this machine', async () => {
    const { dataDirectory } = await pgTools();
    await access(join(dataDirectory, 'global', 'pg_control'), constants.R_OK);
  });
}

/** A plain-SQL dump of one schema. */
export async function dumpSchema(tools: PgTools, schema: string): Promise<Buffer> {
  return runProgram(tools.pgDump, [
    ...PG_ARGS,
    '--schema',
    schema,
    '--no-owner',
    '--no-privileges',
  ]);
}

/**
 * Reopened on the data the scenario left: the live and re-subscribed people
 * read back in full through the SDK (address, name, phone, proof IP and user
 * agent), the erased do not, the DSAR-erased one who signed up again stays
 * suppressed, and the audit chain holds.
 */
export async function expectReadBack(
  gdpr: GdprMail,
  people: readonly ScanPerson[],
  outcome: ScenarioOutcome,
): Promise<void> {
  for (const i of [...outcome.live, ...outcome.resubscribed]) {
    const p = people[i]!;
    const subject = await gdpr.subjects.get(p.email);
    expect(subject?.email).toBe(p.email.toLowerCase());
    expect(subject?.profile).toMatchObject({ name: p.name, phone: p.phone });
    const events = await gdpr.store.listConsentEvents(subject!.id);
    expect(events.at(-1)?.proof).toMatchObject({ ip: p.ip, userAgent: p.userAgent });
  }
  const gone = [...outcome.dsarErased, ...outcome.deleted].filter(
    (i) => !outcome.resubscribed.includes(i),
  );
  for (const i of gone) expect(await gdpr.subjects.get(people[i]!.email)).toBeUndefined();
  // Signed up again after a DSAR erasure: on record, and still never mailed.
  expect((await gdpr.canSend(people[0]!.email, 'newsletter')).reason).toBe('suppressed');
  expect((await gdpr.canSend(people[5]!.email, 'newsletter')).allowed).toBe(true);
  expect((await gdpr.canSend(people.at(-1)!.email, 'newsletter')).allowed).toBe(true);
  expect((await gdpr.audit.verify()).ok).toBe(true);
}

/**
 * The window crypto-shredding leaves (docs/security.md): a whole-row copy of
 * an erased person found on disk (`found`, the hits of people erased for
 * good) carries its wrapped key beside the ciphertext and opens with the KEK
 * that wrapped it. Prints the figures, asserts that every copy found whole
 * opens, and returns how many did.
 */
export async function expectSurvivorsOpenWithOldKek(
  gdpr: GdprMail,
  people: readonly ScanPerson[],
  copies: readonly RawCopy[],
  found: ScanReport,
  where: string,
): Promise<number> {
  const keys = new Set(
    found.hits.filter((h) => h.label.endsWith('wrapped data key')).map((h) => h.label),
  );
  const opened = await recoverable(gdpr, people, copies, found);
  console.info(
    `${describeScan(`${where}, ciphertext and wrapped keys of people erased for good`, found)}; wrapped keys surviving: ${keys.size} of ${copies.length}; erased addresses opened with the KEK: ${opened} of ${copies.length}`,
  );
  expect(opened).toBe(keys.size);
  return opened;
}

/**
 * Rotates the KEK under `gdpr`'s store (new key first, online rewrap, no
 * data key left under the old one), then destroys the old KEK (a config
 * holding only the new one): no erased person opens from `found` any more,
 * and the live and re-subscribed people still read back.
 */
export async function expectShreddedAfterKekRetirement(
  gdpr: GdprMail,
  people: readonly ScanPerson[],
  copies: readonly RawCopy[],
  found: ScanReport,
  outcome: ScenarioOutcome,
): Promise<void> {
  const store = gdpr.store;
  if (!isEncryptedStore(store)) throw new Error('the SDK store encrypts');
  const rotating = createGdprMail(
    scanConfig(store.raw, new InMemoryTransport(), createMemoryErasureJournal(), [
      NEW_KEK,
      OLD_KEK,
    ]),
  );
  expect((await rotating.keys.rewrap()).skipped).toBe(0);
  expect((await rotating.keys.status()).wrapsByKey[OLD_KEK.id]).toBe(0);
  const retired = createGdprMail(
    scanConfig(store.raw, new InMemoryTransport(), createMemoryErasureJournal(), [NEW_KEK]),
  );
  expect(await recoverable(retired, people, copies, found)).toBe(0);
  for (const i of [...outcome.live, ...outcome.resubscribed]) {
    const p = people[i]!;
    expect((await retired.subjects.get(p.email))?.profile).toMatchObject({ name: p.name });
  }
}
