import type { ErasureJournal, ErasureJournalEntry } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import { validateErasureJournalEntry } from '@gdpr-mail/core/internal';
import { toStoreError } from './database-errors.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.js';

export const DEFAULT_JOURNAL_SCHEMA = 'gdpr_mail_journal';

/**
 * What the journal needs from a database: one statement at a time. A `pg`
 * Pool and a PGlite instance both fit; no transaction and no dedicated
 * connection is held, even while `entries()` is being read.
 */
export interface JournalQueryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** PGlite's multi-statement `exec`; a `pg` Pool runs a script through `query` alone. */
  exec?(sql: string): Promise<unknown>;
}

export interface PostgresErasureJournalOptions {
  /**
   * A connection string to the journal's database: the journal opens its own
   * small `pg` Pool and ends it on `close()`. Point it at another database
   * (or server) than the store's, so that restoring the store's backup leaves
   * the journal as it is.
   */
  connectionString?: string;
  /** Or a `pg` Pool (or a PGlite instance) you own; `close()` leaves it open. */
  pool?: JournalQueryable;
  /**
   * Schema of the journal's table; default `gdpr_mail_journal`. The store's
   * default schema `gdpr_mail` is refused: a restore of that schema would
   * roll the journal back with the data.
   */
  schema?: string;
  /** Entries read per query by `entries()` (default 1,000). */
  pageSize?: number;
}

export interface PostgresErasureJournal extends ErasureJournal {
  readonly kind: 'postgres';
  readonly schema: string;
  /** Ends the pool the journal opened from `connectionString`; a pool you gave stays open. */
  close(): Promise<void>;
}

/** Ties concurrent first uses (two processes starting at once) to one CREATE. */
const LOCK_KEY = 'gdpr-mail:erasure-journal:';

function ddl(schema: string): string {
  const s = quoteSchema(schema);
  // The CHECKs keep the table to hashes and dates even if written behind the SDK's back.
  return `
SELECT pg_advisory_xact_lock(hashtext('${LOCK_KEY}${schema}'));
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.erasure_journal (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_hash text NOT NULL CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  suppression_hash text NOT NULL CHECK (suppression_hash ~ '^[0-9a-f]{64}$'),
  subject_id text NOT NULL CHECK (subject_id <> ''),
  erased_at timestamptz NOT NULL,
  reason text NOT NULL CHECK (reason <> '')
);`;
}

function toEntry(row: Record<string, unknown>): ErasureJournalEntry {
  const erasedAt = row.erased_at;
  return {
    subjectHash: String(row.subject_hash),
    suppressionHash: String(row.suppression_hash),
    subjectId: String(row.subject_id),
    erasedAt: erasedAt instanceof Date ? new Date(erasedAt) : new Date(String(erasedAt)),
    reason: String(row.reason),
  };
}

/**
 * An erasure journal in PostgreSQL (REQ-34), kept apart from the store: its
 * own schema, ideally its own database, so that `gdpr-mail erasures replay`
 * can erase again everyone a restored backup of the store brings back.
 *
 * The table is created on first use when absent. `append()` and
 * `appendMany()` are one INSERT each, committed before they resolve; an entry appended twice is kept twice (the
 * journal is a log, and replaying an erased subject again is a no-op).
 * `entries()` reads in pages of `pageSize` with a keyset cursor on `seq`
 * (`WHERE seq > $last ORDER BY seq LIMIT n`): never the whole table, and no
 * connection held between pages. An append that commits while a read is past
 * its `seq` is seen by the next read, not that one.
 */
export function createPostgresErasureJournal(
  options: PostgresErasureJournalOptions,
): PostgresErasureJournal {
  const schema = options.schema ?? DEFAULT_JOURNAL_SCHEMA;
  const table = `${quoteSchema(schema)}.erasure_journal`;
  if (schema === DEFAULT_SCHEMA) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `The erasure journal must not share the store's schema "${DEFAULT_SCHEMA}": a restore of the store would roll it back. Use another schema or database.`,
    );
  }
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      'The PostgreSQL erasure journal needs either a connectionString or a pool.',
    );
  }
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      'The erasure journal pageSize must be a positive integer.',
    );
  }

  let owned: { end(): Promise<void> } | undefined;
  let database: Promise<JournalQueryable> | undefined;
  let ready: Promise<JournalQueryable> | undefined;

  const connect = async (): Promise<JournalQueryable> => {
    if (options.pool) return options.pool;
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.connectionString, max: 4 });
    owned = pool;
    return pool;
  };

  const prepare = async (): Promise<JournalQueryable> => {
    database ??= connect();
    const db = await database;
    const script = ddl(schema);
    // One script, one implicit transaction: the advisory lock holds until the table exists.
    await (db.exec ? db.exec(script) : db.query(script));
    return db;
  };

  const use = async (): Promise<JournalQueryable> => {
    ready ??= prepare();
    try {
      return await ready;
    } catch (error) {
      // A failed first use (database down) is tried again on the next call.
      ready = undefined;
      throw error;
    }
  };

  const run = async <T>(work: (db: JournalQueryable) => Promise<T>): Promise<T> => {
    try {
      return await work(await use());
    } catch (error) {
      throw toStoreError(error);
    }
  };

  /**
   * One INSERT for the whole batch (one statement: all rows or none), rows
   * numbered in the batch's order.
   */
  async function appendMany(entries: readonly ErasureJournalEntry[]): Promise<void> {
    entries.forEach(validateErasureJournalEntry);
    if (entries.length === 0) return;
    await run((db) =>
      db.query(
        `INSERT INTO ${table} (subject_hash, suppression_hash, subject_id, erased_at, reason)
         SELECT h, s, i, a, r
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
           WITH ORDINALITY AS batch(h, s, i, a, r, n)
         ORDER BY n`,
        [
          entries.map((e) => e.subjectHash),
          entries.map((e) => e.suppressionHash),
          entries.map((e) => e.subjectId),
          entries.map((e) => e.erasedAt.toISOString()),
          entries.map((e) => e.reason),
        ],
      ),
    );
  }

  return {
    kind: 'postgres',
    schema,
    append: (entry) => appendMany([entry]),
    appendMany,
    async *entries() {
      let after = '0';
      for (;;) {
        // bigint as text (exact past 2^53); the alias must not shadow `seq` in ORDER BY.
        const rows = await run(
          async (db) =>
            (
              await db.query(
                `SELECT seq::text AS cursor, subject_hash, suppression_hash, subject_id, erased_at, reason
                 FROM ${table} WHERE seq > $1::bigint ORDER BY seq LIMIT $2`,
                [after, pageSize],
              )
            ).rows as Record<string, unknown>[],
        );
        for (const row of rows) yield toEntry(row);
        if (rows.length < pageSize) return;
        after = String(rows[rows.length - 1]!.cursor);
      }
    },
    async close() {
      const pool = owned;
      owned = undefined;
      database = undefined;
      ready = undefined;
      await pool?.end();
    },
  };
}
