import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { AuditEntry, ContactImportReport, GdprStore } from '@gdpr-mail/core';
import { createGdprMail, isGdprMailError, MemoryStore } from '@gdpr-mail/core';
import { hashConsentEvent } from '@gdpr-mail/core/internal';
import {
  createTestClock,
  csvChunks,
  generateContactLists,
  ReferenceImport,
  testConfig,
} from '@gdpr-mail/core/testing';
import type { SqlDatabase } from '@gdpr-mail/postgres';
import { createSqlStore, pgDatabase, pgliteDatabase, runMigrations } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

/*
 * The set-based import path (issue #22, SEED-01): the SQL stores write each
 * batch through `writeImportBatch` (COPY into TEMP staging tables, then a few
 * statements). It must decide exactly what the row-at-a-time path decides
 * (the memory store is the oracle), agree with the independent reference,
 * never stage an address in the clear, and keep the ledger and audit chains.
 */

const postgres = await requirePostgres();

/** The database with every COPY's CSV kept, to look for plaintext in what is staged. */
function capturing(db: SqlDatabase, staged: string[]): SqlDatabase {
  return {
    ...db,
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          ...tx,
          ...(tx.copyCsv
            ? {
                copyCsv: async (target: string, csv: string) => {
                  staged.push(csv);
                  await tx.copyCsv!(target, csv);
                },
              }
            : {}),
        }),
      ),
  };
}

interface Target {
  name: string;
  open(): Promise<{
    db: SqlDatabase;
    exec(sql: string): Promise<unknown[]>;
    close(): Promise<void>;
    /** Schemas to drop at the end (a shared server). */
    schemas?: string[];
  }>;
}

const targets: Array<{ target: Target; describe: (title: string, body: () => void) => void }> = [
  {
    describe: (title, body) => describe(title, body),
    target: {
      name: 'PGlite',
      async open() {
        const pglite = await PGlite.create();
        return {
          db: pgliteDatabase(pglite, async () => {}),
          exec: async (sql) => (await pglite.query(sql)).rows,
          close: () => pglite.close(),
        };
      },
    },
  },
  {
    describe: postgres.describe,
    target: {
      name: 'PostgreSQL',
      async open() {
        const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
        const schemas: string[] = [];
        return {
          db: pgDatabase(pool),
          exec: async (sql) => (await pool.query(sql)).rows,
          async close() {
            const rows = await pool.query(
              `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])`,
              [schemas],
            );
            for (const r of rows.rows) await pool.query(`DROP SCHEMA "${r.nspname}" CASCADE`);
            await pool.end();
          },
          schemas,
        };
      },
    },
  },
];

const options = (list: { name: string; source: string }) => ({
  basis: 'consent' as const,
  purposes: ['newsletter'],
  list: list.name,
  source: list.source,
  defaultLanguage: 'fr',
  batchSize: 700,
});

/** What an import's audit entries say, without the ids only one store knows. */
function auditShape(entries: readonly AuditEntry[]): string[] {
  return (
    entries
      .filter((e) => e.action === 'contact.imported')
      // jsonb keeps its own key order: compare with sorted keys.
      .map((e) => JSON.stringify(e.details, Object.keys(e.details).sort()))
      .sort()
  );
}

async function allAudit(store: GdprStore): Promise<AuditEntry[]> {
  return store.listAudit(0, 1_000_000);
}

for (const { target, describe: when } of targets) {
  when(`set-based import on ${target.name} (SEED-01)`, () => {
    const opened = target.open();
    afterAll(async () => (await opened).close());

    async function sqlStore(staged: string[]) {
      const { db, exec, schemas } = await opened;
      const schema = freshSchema();
      schemas?.push(schema);
      await runMigrations(db, schema);
      const store = createSqlStore(capturing(db, staged), { kind: 'sql', schema });
      return { store, exec, s: `"${schema}"` };
    }

    it('decides what the row-at-a-time path decides, agrees with the reference, stages no address', async () => {
      const generated = generateContactLists({
        seed: 2207,
        sizes: [1_600, 1_400, 1_000],
        people: 2_400,
        suppressed: 30,
      });
      const staged: string[] = [];
      const { store, exec, s } = await sqlStore(staged);
      expect(store.writeImportBatch).toBeTypeOf('function');
      const clock = () => createTestClock('2026-03-01T09:00:00.000Z');
      const sql = createGdprMail(testConfig({ store, clock: clock() }));
      const memory = new MemoryStore();
      const rows = createGdprMail(testConfig({ store: memory, clock: clock() }));
      for (const email of generated.suppressed) {
        await sql.suppression.add(email, 'unsubscribed-all');
        await rows.suppression.add(email, 'unsubscribed-all');
      }
      const reference = new ReferenceImport(new Set(generated.suppressed), 'fr');
      // consent.changed fires after commit for every event the set-based path writes.
      const changed = { sql: 0, rows: 0 };
      sql.events.on('consent.changed', () => {
        changed.sql += 1;
      });
      rows.events.on('consent.changed', () => {
        changed.rows += 1;
      });
      const firstRun: ContactImportReport[] = [];
      for (const list of generated.lists) {
        const expected = reference.run(list);
        const report = await sql.contacts.import(csvChunks(list), options(list));
        // Same report as the row path, samples and all.
        expect(report).toEqual(await rows.contacts.import(csvChunks(list), options(list)));
        expect(report).toMatchObject({
          created: expected.created,
          merged: expected.merged,
          unchanged: expected.unchanged,
          flagged: expected.flagged,
          consentRecorded: expected.consentRecorded,
          conflicts: expected.conflicts,
        });
        expect(report.created + report.merged + report.unchanged + report.rejected).toBe(
          list.rows.length,
        );
        firstRun.push(report);
      }
      expect(changed.sql).toBeGreaterThan(0);
      expect(changed.sql).toBe(changed.rows);
      // One audit entry per created or changed contact and batch, as the row path writes them.
      expect(auditShape(await allAudit(store))).toEqual(auditShape(await allAudit(memory)));
      const [count] = await exec(`SELECT count(*)::int AS n FROM ${s}.subjects`);
      expect(count).toEqual({ n: reference.contacts.size });

      // Stored contacts agree with the reference (a sample), through the encrypting wrapper.
      let checked = 0;
      for (const [email, ref] of reference.contacts) {
        if (checked++ % 97 !== 0) continue;
        const subject = await sql.subjects.get(email);
        expect(subject?.profile.contact?.segments.sort()).toEqual([...ref.segments].sort());
        expect(subject?.profile.language).toBe(ref.language);
        const state = await sql.consent.state(email, 'newsletter');
        expect(state.status).toBe(ref.granted ? 'granted' : 'none');
      }

      // Encryption at rest: nothing staged or stored holds an address in the clear.
      expect(staged.length).toBeGreaterThan(0);
      const stagedText = staged.join('');
      expect(stagedText).not.toContain('@');
      const [clear] = await exec(
        `SELECT count(*)::int AS n FROM ${s}.subjects WHERE email LIKE '%@%' OR profile::text LIKE '%@%'`,
      );
      expect(clear).toEqual({ n: 0 });

      // Integrity: every ledger continues itself, the audit chain verifies.
      const [broken] = await exec(`SELECT count(*)::int AS n FROM ${s}.consent_events e
        LEFT JOIN ${s}.consent_events p ON p.subject_id = e.subject_id AND p.seq = e.seq - 1
        WHERE (e.seq = 1 AND e.prev_hash IS NOT NULL)
           OR (e.seq > 1 AND (p.hash IS NULL OR e.prev_hash IS DISTINCT FROM p.hash))`);
      expect(broken).toEqual({ n: 0 });
      expect(await sql.audit.verify()).toMatchObject({ ok: true });

      // Idempotent: a re-run reports every row unchanged and writes nothing.
      const snapshot = () =>
        exec(`SELECT (SELECT count(*) FROM ${s}.consent_events)::int AS events,
          (SELECT max(updated_at) FROM ${s}.subjects)::text AS updated,
          (SELECT seq FROM ${s}.audit_head)::int AS audit`);
      const before = await snapshot();
      const stagedBefore = staged.length;
      for (const [i, list] of generated.lists.entries()) {
        const again = await sql.contacts.import(csvChunks(list), options(list));
        expect(again).toMatchObject({
          created: 0,
          merged: 0,
          flagged: 0,
          consentRecorded: 0,
          unchanged: list.rows.length - firstRun[i]!.rejected,
        });
      }
      expect(await snapshot()).toEqual(before);
      expect(staged.length).toBe(stagedBefore);
    }, 240_000);

    it('refuses a batch creating an address that exists, and writes none of it', async () => {
      const { store, exec, s } = await sqlStore([]);
      const at = new Date('2026-03-01T09:00:00.000Z');
      const row = (emailHash: string) => ({
        id: randomUUID(),
        emailHash,
        email: 'sealed',
        createdAt: at,
        updatedAt: at,
        profile: {},
      });
      await store.createSubject(row('taken'));
      const error = await store.writeImportBatch!({
        at,
        created: [row('fresh'), row('taken')],
        updated: [],
        events: [],
      }).catch((e: unknown) => e);
      expect(isGdprMailError(error, 'STORE_CONFLICT') && error.retryable).toBe(true);
      const [count] = await exec(`SELECT count(*)::int AS n FROM ${s}.subjects`);
      expect(count).toEqual({ n: 1 });
    });

    it('refuses events that do not continue the stored ledger head', async () => {
      const { store, exec, s } = await sqlStore([]);
      const at = new Date('2026-03-01T09:00:00.000Z');
      const subject = await store.createSubject({
        id: randomUUID(),
        emailHash: 'h',
        email: 'sealed',
        createdAt: at,
        updatedAt: at,
        profile: {},
      });
      const event = (seq: number, prevHash: string | null) => {
        const unhashed = {
          id: randomUUID(),
          subjectId: subject.id,
          seq,
          at,
          prevHash,
          type: 'granted' as const,
          purposeId: 'newsletter',
          proof: { source: 'test', method: 'import' as const, actor: 'test' },
        };
        return { ...unhashed, hash: hashConsentEvent(unhashed) };
      };
      const first = event(1, null);
      await store.appendConsentEvents(subject.id, undefined, [first]);
      // Decided on an empty ledger, but one event was appended meanwhile.
      const stale = await store.writeImportBatch!({
        at,
        created: [],
        updated: [{ id: subject.id, profile: { language: 'fr' } }],
        events: [{ subjectId: subject.id, expectedHead: undefined, events: [event(1, null)] }],
      }).catch((e: unknown) => e);
      expect(isGdprMailError(stale, 'STORE_CONFLICT') && stale.retryable).toBe(true);
      const [after] = await exec(
        `SELECT (SELECT count(*) FROM ${s}.consent_events)::int AS events,
          (SELECT profile::text FROM ${s}.subjects) AS profile`,
      );
      expect(after).toEqual({ events: 1, profile: '{}' });
      // Continuing the head is accepted.
      await store.writeImportBatch!({
        at,
        created: [],
        updated: [],
        events: [
          {
            subjectId: subject.id,
            expectedHead: { seq: 1, hash: first.hash },
            events: [event(2, first.hash)],
          },
        ],
      });
      expect(await store.listConsentEvents(subject.id)).toHaveLength(2);
    });
  });
}

postgres.describe('set-based import on PostgreSQL, two importers at once (SEED-01)', () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 6 });
  const schema = freshSchema();
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('loses no contact and forks no chain when two lists of the same people import together', async () => {
    const db = pgDatabase(pool);
    await runMigrations(db, schema);
    const store = createSqlStore(db, { kind: 'postgres', schema });
    const generated = generateContactLists({
      seed: 99,
      sizes: [1_500, 1_500],
      people: 1_200,
      suppressed: 0,
    });
    // Two processes' worth of importers: each its own SDK instance over the same tables.
    const a = createGdprMail(testConfig({ store }));
    const b = createGdprMail(testConfig({ store }));
    const [first, second] = generated.lists as [
      (typeof generated.lists)[number],
      (typeof generated.lists)[number],
    ];
    const reports = await Promise.all([
      a.contacts.import(csvChunks(first), { ...options(first), batchSize: 300 }),
      b.contacts.import(csvChunks(second), { ...options(second), batchSize: 300 }),
    ]);
    const reference = new ReferenceImport(new Set(), 'fr');
    for (const list of generated.lists) reference.run(list);
    const [count] = (await pool.query(`SELECT count(*)::int AS n FROM "${schema}".subjects`)).rows;
    expect(count).toEqual({ n: reference.contacts.size });
    // Every row counted once; a contact both lists created is created once.
    expect(reports[0]!.created + reports[1]!.created).toBe(reference.contacts.size);
    for (const [i, report] of reports.entries()) {
      expect(report.created + report.merged + report.unchanged + report.rejected).toBe(
        generated.lists[i]!.rows.length,
      );
    }
    // Nothing lost: every contact holds the lists it is on, whoever created it.
    let checked = 0;
    for (const [email, ref] of reference.contacts) {
      if (checked++ % 7 !== 0) continue;
      const subject = await a.subjects.get(email);
      expect(subject?.profile.contact?.segments.sort()).toEqual([...ref.segments].sort());
    }
    expect(await a.audit.verify()).toMatchObject({ ok: true });
    const [broken] = (
      await pool.query(`SELECT count(*)::int AS n FROM "${schema}".consent_events e
        LEFT JOIN "${schema}".consent_events p ON p.subject_id = e.subject_id AND p.seq = e.seq - 1
        WHERE (e.seq = 1 AND e.prev_hash IS NOT NULL)
           OR (e.seq > 1 AND (p.hash IS NULL OR e.prev_hash IS DISTINCT FROM p.hash))`)
    ).rows;
    expect(broken).toEqual({ n: 0 });
  }, 240_000);
});
