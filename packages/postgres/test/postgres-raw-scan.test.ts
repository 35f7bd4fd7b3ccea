import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErasureJournal, GdprStore } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, isEncryptedStore } from '@gdpr-mail/core';
import { requireService, testConfig } from '@gdpr-mail/core/testing';
import { createPostgresErasureJournal, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';
import type { Needle, ScanReport } from './raw-scan.js';
import {
  compressedValues,
  describeScan,
  eraseByDsar,
  makePeople,
  needlesOf,
  pgBinary,
  relationFiles,
  runProgram,
  runScenario,
  runTag,
  scanBuffers,
  scanFiles,
  seedPerson,
} from './raw-scan.js';

// Issue #18 acceptance, PostgreSQL: the raw bytes an operator can copy
// (a pg_dump, the table files under the data directory, the WAL) hold no
// person's address, name, phone, IP or user agent in the clear, erased or
// not; and a backup taken before an erasure, once restored, is erased again
// by the journal's replay, its ciphertexts useless without the shredded key.

const postgres = await requirePostgres();

/** The server's files are read straight from disk: same machine, and a user who may read them. */
const onDisk = await requireService(
  'the PostgreSQL data directory and pg_dump on this machine',
  async () => {
    const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      const { rows } = await probe.query<{ dir: string; v: string }>(
        `SELECT current_setting('data_directory') AS dir, current_setting('server_version_num') AS v`,
      );
      await access(join(rows[0]!.dir, 'global', 'pg_control'), constants.R_OK);
      await runProgram(await pgBinary('pg_dump', Math.floor(Number(rows[0]!.v) / 10_000)), [
        '--version',
      ]);
    } finally {
      await probe.end();
    }
  },
);

const URL_ARGS = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'test'];

function config(store: GdprStore, transport: InMemoryTransport, journal: ErasureJournal) {
  return testConfig({
    store,
    transport,
    mailer: {
      from: { address: 'news@acme.test' },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    },
    proof: { recordIp: true, recordUserAgent: true },
    encryption: { erasureJournal: journal },
  });
}

const sum = (report: ScanReport, keep: (label: string) => boolean): ScanReport => {
  const hits = report.hits.filter((h) => keep(h.label));
  return { ...report, hits, occurrences: hits.reduce((n, h) => n + h.count, 0) };
};
const isControl = (label: string) => label.startsWith('control ');

(postgres.available ? onDisk : postgres).describe(
  'raw-byte scans of PostgreSQL (REQ-34, issue #18)',
  () => {
    let pool: pg.Pool;
    let dataDirectory: string;
    let pgDump: string;
    let psql: string;
    const schemas: string[] = [];

    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
      const { rows } = await pool.query<{ dir: string; v: string }>(
        `SELECT current_setting('data_directory') AS dir, current_setting('server_version_num') AS v`,
      );
      dataDirectory = rows[0]!.dir;
      const major = Math.floor(Number(rows[0]!.v) / 10_000);
      pgDump = await pgBinary('pg_dump', major);
      psql = await pgBinary('psql', major);
    });
    afterAll(async () => {
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    });

    const dumpSchema = (schema: string) =>
      runProgram(pgDump, [...URL_ARGS, '--schema', schema, '--no-owner', '--no-privileges']);

    /** Every file of every relation of the schema: tables, indexes, their TOAST tables and indexes. */
    async function schemaFiles(schema: string): Promise<{ names: string[]; files: string[] }> {
      const { rows } = await pool.query<{ name: string; path: string }>(
        `WITH own AS (
           SELECT c.oid, c.reltoastrelid FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
         ), rels AS (
           SELECT oid FROM own
           UNION SELECT reltoastrelid FROM own WHERE reltoastrelid <> 0
           UNION SELECT i.indexrelid FROM pg_index i
             JOIN own ON i.indrelid = own.reltoastrelid
         )
         SELECT oid::regclass::text AS name, pg_relation_filepath(oid) AS path
         FROM rels WHERE pg_relation_filepath(oid) IS NOT NULL ORDER BY 1`,
        [schema],
      );
      const files: string[] = [];
      for (const row of rows) files.push(...(await relationFiles(join(dataDirectory, row.path))));
      return { names: rows.map((r) => r.name), files };
    }

    /** WAL segments written to since `since` (the server's WAL is shared; markers are unique). */
    async function recentWal(since: number): Promise<string[]> {
      const dir = join(dataDirectory, 'pg_wal');
      const out: string[] = [];
      for (const name of await readdir(dir)) {
        if (!/^[0-9A-F]{24}$/.test(name)) continue;
        const info = await stat(join(dir, name));
        if (info.mtimeMs >= since) out.push(join(dir, name));
      }
      return out;
    }

    it('REQ-34: no address, name, phone, IP or user agent of anyone, erased or not, in pg_dump output, the table files or the WAL; a clear control is found by the same scans; the live control person reads back', async () => {
      // The file system's clock is coarser than ours: a second of slack.
      const started = Date.now() - 1000;
      const schema = freshSchema();
      const journalSchema = freshSchema();
      schemas.push(schema, journalSchema);
      const tag = runTag();
      const everyone = makePeople(21, tag);
      const people = everyone.slice(0, 20);
      const clear = everyone[20]!;
      const journal = () => createPostgresErasureJournal({ pool, schema: journalSchema });

      const transport = new InMemoryTransport();
      const gdpr = createGdprMail(
        config(await createPostgresStore({ pool, schema }), transport, journal()),
      );
      const outcome = await runScenario(gdpr, transport, people);
      expect((await gdpr.audit.verify()).ok).toBe(true);
      await gdpr.close();
      // The 21st person never reaches the SDK: written in the clear, the scans must find them.
      await pool.query(`CREATE TABLE "${schema}".scan_control (t text)`);
      for (const value of [clear.email, clear.email.toLowerCase(), clear.name, clear.phone]) {
        await pool.query(`INSERT INTO "${schema}".scan_control (t) VALUES ($1)`, [value]);
      }
      await pool.query(`INSERT INTO "${schema}".scan_control (t) VALUES ($1), ($2)`, [
        clear.ip,
        clear.userAgent,
      ]);
      // Dirty pages reach the table files.
      await pool.query('CHECKPOINT');

      const needles: Needle[] = [
        ...needlesOf(people, { proof: true }),
        ...needlesOf([clear], { proof: true, prefix: 'control' }),
      ];
      const controlLabels = needlesOf([clear], { proof: true, prefix: 'control' }).map(
        (n) => n.label,
      );
      const expectEveryControl = (report: ScanReport) => {
        for (const label of controlLabels) {
          expect(report.hits.some((h) => h.label === label)).toBe(true);
        }
      };

      // (a) pg_dump of the schema.
      const dump = scanBuffers([{ name: 'pg_dump', bytes: await dumpSchema(schema) }], needles);
      console.info(
        describeScan(
          `pg_dump --schema, ${people.length} people`,
          sum(dump, (l) => !isControl(l)),
        ),
      );
      console.info(describeScan('pg_dump --schema, clear control', sum(dump, isControl)));
      expect(sum(dump, (l) => !isControl(l)).hits).toEqual([]);
      expectEveryControl(dump);

      // (b) the relations' files under the data directory, after the checkpoint.
      const compressed = await compressedValues((sql, params) => pool.query(sql, params), schema);
      console.info(
        `[REQ-34 scan] compressed values in the schema (opaque to a byte scan): ${compressed}`,
      );
      expect(compressed).toBe(0);
      const { names, files } = await schemaFiles(schema);
      for (const table of ['subjects', 'consent_events', 'scan_control']) {
        expect(names).toContain(`${schema}.${table}`);
      }
      expect(names.some((n) => n.startsWith('pg_toast.'))).toBe(true);
      const onDiskScan = await scanFiles(files, needles, dataDirectory);
      console.info(
        describeScan(
          `table files of ${names.length} relations (tables, indexes, TOAST)`,
          sum(onDiskScan, (l) => !isControl(l)),
        ),
      );
      console.info(describeScan('table files, clear control', sum(onDiskScan, isControl)));
      expect(sum(onDiskScan, (l) => !isControl(l)).hits).toEqual([]);
      expectEveryControl(onDiskScan);

      // (c) the WAL segments written during this test, read as records too.
      const wal = await recentWal(started);
      const walScan = await scanFiles(wal, needles, dataDirectory);
      console.info(
        describeScan(
          'pg_wal segments written during the test',
          sum(walScan, (l) => !isControl(l)),
        ),
      );
      console.info(describeScan('pg_wal, clear control', sum(walScan, isControl)));
      expect(sum(walScan, (l) => !isControl(l)).hits).toEqual([]);
      expectEveryControl(walScan);

      // Reopened: the live people read back through the SDK, the erased do not.
      const reopened = createGdprMail(
        config(await createPostgresStore({ pool, schema }), new InMemoryTransport(), journal()),
      );
      try {
        for (const i of [...outcome.live, ...outcome.resubscribed]) {
          const p = people[i]!;
          const subject = await reopened.subjects.get(p.email);
          expect(subject?.profile).toMatchObject({ name: p.name, phone: p.phone });
          const events = await reopened.store.listConsentEvents(subject!.id);
          expect(events.at(-1)?.proof).toMatchObject({ ip: p.ip, userAgent: p.userAgent });
        }
        const gone = [...outcome.dsarErased, ...outcome.deleted].filter(
          (i) => !outcome.resubscribed.includes(i),
        );
        for (const i of gone) expect(await reopened.subjects.get(people[i]!.email)).toBeUndefined();
        expect((await reopened.canSend(people[0]!.email, 'newsletter')).reason).toBe('suppressed');
        expect((await reopened.canSend(people.at(-1)!.email, 'newsletter')).allowed).toBe(true);
      } finally {
        await reopened.close();
      }
    });

    it('REQ-34: a pg_dump taken before an erasure, restored into a fresh schema, is erased again by the replay, and no ciphertext of the person opens', async () => {
      const schema = freshSchema();
      const restored = freshSchema();
      const journalSchema = freshSchema();
      schemas.push(schema, restored, journalSchema);
      const [person, control] = makePeople(2);
      const journal = () => createPostgresErasureJournal({ pool, schema: journalSchema });

      const transport = new InMemoryTransport();
      const gdpr = createGdprMail(
        config(await createPostgresStore({ pool, schema }), transport, journal()),
      );
      await seedPerson(gdpr, person!);
      await seedPerson(gdpr, control!);
      const backup = (await dumpSchema(schema)).toString('utf8');
      await eraseByDsar(gdpr, transport, person!.email);
      expect(await gdpr.subjects.get(person!.email)).toBeUndefined();
      await gdpr.close();

      // The restore: the plain dump with the schema renamed (both names are unique).
      await runProgram(
        psql,
        [...URL_ARGS, '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'],
        backup.replaceAll(schema, restored),
      );
      const again = createGdprMail(
        config(
          await createPostgresStore({ pool, schema: restored }),
          new InMemoryTransport(),
          journal(),
        ),
      );
      try {
        if (!isEncryptedStore(again.store)) throw new Error('the SDK store encrypts');
        const raw = again.store.raw;
        // The backup brought the person back, key and all.
        const back = await again.subjects.get(person!.email);
        expect(back?.profile.name).toBe(person!.name);
        const rawRow = (await raw.getSubject(back!.id))!;
        const rawEvents = await raw.listConsentEvents(back!.id);
        const sealed: Needle[] = [
          { label: 'sealed address', value: rawRow.email },
          { label: 'wrapped data key', value: rawRow.dataKey! },
          {
            label: 'sealed profile',
            value: (rawRow.profile as { sealed: { value: string } }).sealed.value,
          },
          ...rawEvents.flatMap((e, i) => [
            { label: `sealed IP of event ${i}`, value: String(e.proof.ip) },
            { label: `sealed user agent of event ${i}`, value: String(e.proof.userAgent) },
          ]),
        ];
        for (const needle of sealed) expect(needle.value.length).toBeGreaterThan(20);
        expect(rawRow.email.startsWith('g1.')).toBe(true);
        // Those ciphertexts are in the backup, and nothing in the clear is.
        const inBackup = scanBuffers(
          [{ name: 'backup', bytes: Buffer.from(backup) }],
          [...sealed, ...needlesOf([person!, control!], { proof: true })],
        );
        expect(new Set(inBackup.hits.map((h) => h.label))).toEqual(
          new Set(sealed.map((n) => n.label)),
        );

        const report = await again.erasures.replay();
        expect(report).toEqual({ entries: 1, erased: 1, suppressionsRestored: 1 });
        expect(await again.subjects.get(person!.email)).toBeUndefined();
        expect((await again.canSend(person!.email, 'newsletter')).reason).toBe('suppressed');
        expect((await again.subjects.get(control!.email))?.profile).toMatchObject({
          name: control!.name,
          phone: control!.phone,
        });

        // Nothing of the person's is left in the restored schema: no ciphertext, no key.
        const after = scanBuffers(
          [{ name: 'pg_dump after replay', bytes: await dumpSchema(restored) }],
          [...sealed, ...needlesOf([person!, control!], { proof: true })],
        );
        console.info(
          describeScan(
            'restored schema after the replay (sealed values of the erased person, clear values of both)',
            after,
          ),
        );
        expect(after.hits).toEqual([]);

        // A copy of their sealed row (from the backup) opens under no other key:
        // planted back with the control person's wrapped data key, every sealed
        // field fails with CIPHERTEXT_INVALID, though every KEK is at hand.
        const controlRow = (await raw.getSubject((await again.subjects.get(control!.email))!.id))!;
        const { dataKey: _shredded, ...withoutKey } = rawRow;
        await raw.createSubject({ ...withoutKey, dataKey: controlRow.dataKey! });
        const planted = await again.store.getSubject(rawRow.id);
        expect(() => planted!.email).toThrow(
          expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }),
        );
        expect(() => planted!.profile.name).toThrow(
          expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }),
        );
        await raw.appendConsentEvents(rawRow.id, undefined, rawEvents);
        const [event] = await again.store.listConsentEvents(rawRow.id);
        expect(() => event!.proof.ip).toThrow(
          expect.objectContaining({ code: 'CIPHERTEXT_INVALID' }),
        );
        await raw.deleteSubject(rawRow.id);
      } finally {
        await again.close();
      }
    });
  },
);
