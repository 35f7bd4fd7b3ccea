import { PGlite } from '@electric-sql/pglite';
import type { ErasureJournal, ErasureJournalEntry } from '@gdpr-mail/core';
import { isGdprMailError } from '@gdpr-mail/core';
import { runErasureJournalConformance } from '@gdpr-mail/core/testing';
import type { JournalQueryable } from '@gdpr-mail/postgres';
import { createPostgresErasureJournal, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

const PAGE = 100;
const postgres = await requirePostgres();

/** The largest result any SELECT returned through `target`: proves `entries()` pages. */
function observed(target: JournalQueryable) {
  let largestRead = 0;
  const queryable: JournalQueryable = {
    async query(sql, params) {
      const result = await target.query(sql, params);
      if (/^\s*SELECT/i.test(sql) && !sql.includes('pg_advisory')) {
        largestRead = Math.max(largestRead, result.rows.length);
      }
      return result;
    },
    ...(target.exec ? { exec: (sql: string) => target.exec!(sql) } : {}),
  };
  return { queryable, largestRead: () => largestRead };
}

postgres.describe('PostgreSQL erasure journal', () => {
  let pool: pg.Pool;
  const reads = observed({
    query: (sql, params) => pool.query(sql, params),
  });
  const schemaOf = (journal: ErasureJournal) => (journal as unknown as { schema: string }).schema;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 });
  });
  afterAll(() => pool.end());

  // REQ-34: a schema per test, dropped after; reopened through a connection string of its own.
  runErasureJournalConformance(
    'postgres',
    () =>
      createPostgresErasureJournal({
        pool: reads.queryable,
        schema: freshSchema(),
        pageSize: PAGE,
      }),
    {
      reopen: (closed) =>
        createPostgresErasureJournal({
          connectionString: POSTGRES_URL,
          schema: schemaOf(closed),
          pageSize: PAGE,
        }),
      teardown: async (journal) => {
        await journal.close?.();
        await pool.query(`DROP SCHEMA IF EXISTS "${schemaOf(journal)}" CASCADE`);
      },
      paging: { pageSize: PAGE, largestRead: reads.largestRead },
    },
  );

  it('REQ-34: lives in its own schema beside the store, and two first uses at once make one table', async () => {
    const storeSchema = freshSchema();
    const journalSchema = freshSchema();
    const store = await createPostgresStore({ pool, schema: storeSchema });
    // Two pools stand for two processes starting at once.
    const pools = [1, 2].map(() => new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }));
    try {
      const journals = pools.map((p) =>
        createPostgresErasureJournal({ pool: p, schema: journalSchema }),
      );
      const entry = (n: number): ErasureJournalEntry => ({
        subjectHash: String(n).repeat(64),
        suppressionHash: 'a'.repeat(64),
        subjectId: `sub-${n}`,
        erasedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
        reason: 'dsar',
      });
      await Promise.all(journals.map((j, n) => j.append(entry(n + 1))));
      const seen: string[] = [];
      for await (const e of journals[0]!.entries()) seen.push(e.subjectId);
      expect(seen.sort()).toEqual(['sub-1', 'sub-2']);
      const { rows } = await pool.query(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'erasure_journal' AND table_schema IN ($1, $2)`,
        [storeSchema, journalSchema],
      );
      expect(rows).toEqual([{ table_schema: journalSchema }]);
      // Rows written behind the SDK's back are held to hashes as well.
      await expect(
        pool.query(
          `INSERT INTO "${journalSchema}".erasure_journal (subject_hash, suppression_hash, subject_id, erased_at, reason)
           VALUES ('alice@example.test', $1, 's', now(), 'dsar')`,
          ['a'.repeat(64)],
        ),
      ).rejects.toMatchObject({ code: '23514' });
    } finally {
      await store.close();
      await Promise.all(pools.map((p) => p.end()));
      await pool.query(`DROP SCHEMA IF EXISTS "${storeSchema}" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${journalSchema}" CASCADE`);
    }
  });

  it('REQ-34: a database that cannot be reached is a typed STORE_FAILURE', async () => {
    const journal = createPostgresErasureJournal({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: freshSchema(),
    });
    let caught: unknown;
    try {
      await journal.append({
        subjectHash: 'b'.repeat(64),
        suppressionHash: 'c'.repeat(64),
        subjectId: 'sub',
        erasedAt: new Date(),
        reason: 'dsar',
      });
    } catch (error) {
      caught = error;
    } finally {
      await journal.close();
    }
    expect(isGdprMailError(caught, 'STORE_FAILURE')).toBe(true);
  });
});

describe('PostgreSQL erasure journal options', () => {
  it('refuses the store schema, no database, both databases and a bad page size', () => {
    const invalid = [
      { connectionString: POSTGRES_URL, schema: 'gdpr_mail' },
      {},
      { connectionString: POSTGRES_URL, pool: { query: async () => ({ rows: [] }) } },
      { connectionString: POSTGRES_URL, pageSize: 0 },
      { connectionString: POSTGRES_URL, schema: 'Bad-Name' },
    ];
    for (const options of invalid) {
      expect(() => createPostgresErasureJournal(options)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });
});

describe('PostgreSQL erasure journal on PGlite', () => {
  // Opening PGlite takes a while: one in-memory instance, a schema per test.
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(() => db.close());

  runErasureJournalConformance(
    'pglite',
    () => createPostgresErasureJournal({ pool: db, schema: freshSchema(), pageSize: 500 }),
    {
      teardown: async (journal) => {
        await journal.close?.();
        await db.exec(`DROP SCHEMA IF EXISTS "${(journal as { schema?: string }).schema}" CASCADE`);
      },
    },
  );
});
