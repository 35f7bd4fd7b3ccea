import type { ImportBatchWrite, LedgerHead } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import { toStoreError } from './database-errors.js';
import { encodeJson, toInt, toText } from './row-values.js';
import type { SqlExecutor } from './sql-database.js';

/*
 * The set-based write of one import batch (issue #22): each table's rows go
 * into a session-local staging table with COPY, then one statement moves
 * them. Two to four statements per contact become a handful per batch.
 *
 * What reaches the staging tables is what the subjects table would hold: the
 * encrypting wrapper (core, encrypted-store.ts) sealed every address and
 * personal profile leaf before this call, so no plaintext personal data is
 * written here either. TEMP tables: never in WAL, invisible to other
 * sessions, emptied at every commit (ON COMMIT DELETE ROWS). Columns are text
 * so a database without COPY can fill them from arrays instead.
 */

const STAGING = {
  subjects: {
    table: 'gdpr_mail_import_subjects',
    columns: ['id', 'email_hash', 'email', 'created_at', 'profile', 'data_key'],
  },
  profiles: { table: 'gdpr_mail_import_profiles', columns: ['id', 'profile'] },
  events: {
    table: 'gdpr_mail_import_events',
    columns: ['subject_id', 'seq', 'id', 'type', 'purpose_id', 'at', 'proof', 'prev_hash', 'hash'],
  },
} as const;

type Staging = (typeof STAGING)[keyof typeof STAGING];

// Created on a connection's first import (IF NOT EXISTS), and emptied first:
// a caller may write two batches in one transaction.
const PREPARE_STAGING = `${Object.values(STAGING)
  .map(
    (t) =>
      `CREATE TEMP TABLE IF NOT EXISTS ${t.table} (${t.columns.map((c) => `${c} text`).join(', ')}) ON COMMIT DELETE ROWS;`,
  )
  .join('\n')}
TRUNCATE ${Object.values(STAGING)
  .map((t) => t.table)
  .join(', ')};`;

/** One CSV field: NULL unquoted and empty, anything else quoted with doubled quotes. */
function field(value: string | null): string {
  return value === null ? '' : `"${value.replaceAll('"', '""')}"`;
}

async function stage(
  raw: SqlExecutor,
  db: SqlExecutor,
  target: Staging,
  rows: ReadonlyArray<ReadonlyArray<string | null>>,
): Promise<void> {
  if (raw.copyCsv) {
    let csv = '';
    for (const row of rows) csv += `${row.map(field).join(',')}\n`;
    try {
      await raw.copyCsv(`${target.table} (${target.columns.join(', ')})`, csv);
    } catch (error) {
      throw toStoreError(error);
    }
    return;
  }
  const arrays = target.columns.map((_, i) => rows.map((row) => row[i] ?? null));
  await db.query(
    `INSERT INTO ${target.table} (${target.columns.join(', ')})
     SELECT * FROM unnest(${target.columns.map((_, i) => `$${i + 1}::text[]`).join(', ')})`,
    arrays,
  );
}

function moved(what: string): GdprMailError {
  return new GdprMailError('STORE_CONFLICT', `${what} changed during the import; retry.`, {
    retryable: true,
  });
}

/**
 * Writes one batch inside the caller's transaction. `db` is the guarded
 * executor (typed errors), `raw` the same connection with its COPY.
 */
export async function writeImportBatch(
  db: SqlExecutor,
  raw: SqlExecutor,
  s: string,
  batch: ImportBatchWrite,
): Promise<void> {
  await db.exec(PREPARE_STAGING);
  const at = batch.at.toISOString();

  if (batch.created.length > 0) {
    await stage(
      raw,
      db,
      STAGING.subjects,
      batch.created.map((r) => [
        r.id,
        r.emailHash,
        r.email,
        r.createdAt.toISOString(),
        encodeJson(r.profile),
        r.dataKey ?? null,
      ]),
    );
    // Another writer may have created one of these addresses since the batch
    // was read: the whole batch is then re-read and re-decided (retryable).
    const [row] = await db.query(
      `WITH added AS (
         INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile, data_key)
         SELECT id, email_hash, email, created_at::timestamptz, $1::timestamptz, profile::jsonb, data_key
         FROM ${STAGING.subjects.table}
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*) AS n FROM added`,
      [at],
    );
    if (toInt(row?.n) !== batch.created.length) throw moved('The contact base');
  }

  if (batch.updated.length > 0) {
    await stage(
      raw,
      db,
      STAGING.profiles,
      batch.updated.map((u) => [u.id, encodeJson(u.profile)]),
    );
    const [row] = await db.query(
      `WITH changed AS (
         UPDATE ${s}.subjects AS t SET profile = u.profile::jsonb, updated_at = $1::timestamptz
         FROM ${STAGING.profiles.table} AS u WHERE t.id = u.id RETURNING 1)
       SELECT count(*) AS n FROM changed`,
      [at],
    );
    // A contact erased since the batch was read.
    if (toInt(row?.n) !== batch.updated.length) throw moved('A contact');
  }

  const runs = batch.events.filter((run) => run.events.length > 0);
  if (runs.length === 0) return;
  // The ledger compare-and-set of appendConsentEvents, for every subject at
  // once: lock the subjects' rows, then compare each head with the expected one.
  const ids = runs.map((run) => run.subjectId);
  const [locked] = await db.query(
    `SELECT count(*) AS n FROM (SELECT id FROM ${s}.subjects WHERE id = ANY($1::text[]) FOR UPDATE) AS l`,
    [ids],
  );
  if (toInt(locked?.n) !== new Set(ids).size) throw moved('A contact');
  const heads = new Map<string, LedgerHead>();
  for (const row of await db.query(
    `SELECT DISTINCT ON (subject_id) subject_id, seq, hash FROM ${s}.consent_events
     WHERE subject_id = ANY($1::text[]) ORDER BY subject_id, seq DESC`,
    [ids],
  )) {
    heads.set(toText(row.subject_id), { seq: toInt(row.seq), hash: toText(row.hash) });
  }
  const rows: Array<Array<string | null>> = [];
  for (const run of runs) {
    const head = heads.get(run.subjectId);
    if (head?.seq !== run.expectedHead?.seq || head?.hash !== run.expectedHead?.hash) {
      throw moved('A consent ledger');
    }
    for (const e of run.events) {
      rows.push([
        e.subjectId,
        String(e.seq),
        e.id,
        e.type,
        e.purposeId,
        e.at.toISOString(),
        JSON.stringify(e.proof),
        e.prevHash,
        e.hash,
      ]);
    }
  }
  await stage(raw, db, STAGING.events, rows);
  await db.query(
    `INSERT INTO ${s}.consent_events (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
     SELECT subject_id, seq::integer, id, type, purpose_id, at::timestamptz, proof::jsonb, prev_hash, hash
     FROM ${STAGING.events.table}`,
  );
}
