// Retention sweep vs a single DELETE, on the local PostgreSQL, same run: N expired
// subjects (each with a consent event) in two identical schemas; one is swept in
// batches by gdpr.retention.sweep (decision per person, app-level audit entry per
// deletion), the other emptied by one DELETE. Prints the time ratio (goal <= 1.5x),
// the longest single transaction of the sweep (goal < 1 s) and the peak RSS.
// Run: pnpm bench:retention   (SUBJECTS=1000000 by default; BATCH=5000; CONCURRENCY)
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileErasureJournal, createGdprMail, type GdprStore } from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const SUBJECTS = Number(process.env.SUBJECTS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 5000);
// Pages committed at once; unset = the sweep's default.
const CONCURRENCY = process.env.CONCURRENCY ? Number(process.env.CONCURRENCY) : undefined;
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 4,
});
const tag = randomUUID().replaceAll('-', '').slice(0, 8);
const swept = `bench_ret_a_${tag}`;
const deleted = `bench_ret_b_${tag}`;

async function populate(schema: string): Promise<GdprStore> {
  const store = await createPostgresStore({ pool, schema });
  await pool.query(
    `INSERT INTO "${schema}".subjects (id, email_hash, email, created_at, updated_at, profile)
     SELECT lpad(g::text, 8, '0'), md5(g::text) || md5('h' || g), 'p' || g || '@example.org', now() - interval '4 years', now() - interval '4 years', '{}'
     FROM generate_series(1, $1) g`,
    [SUBJECTS],
  );
  await pool.query(
    `INSERT INTO "${schema}".consent_events (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
     SELECT lpad(g::text, 8, '0'), 1, 'e' || g, 'granted', 'newsletter', now() - interval '4 years',
       '{"source":"bench","method":"checkbox","actor":"subject"}', NULL, md5('e' || g)
     FROM generate_series(1, $1) g`,
    [SUBJECTS],
  );
  await pool.query(`ANALYZE "${schema}".subjects; ANALYZE "${schema}".consent_events`);
  return store;
}

const config = benchConfig({ duration: 'P3Y', anchor: 'collected', action: 'delete' });

try {
  console.log(`seeding ${SUBJECTS.toLocaleString('en')} expired subjects twice…`);
  const storeA = await populate(swept);
  await populate(deleted);

  let start = performance.now();
  await pool.query(`DELETE FROM "${deleted}".subjects`);
  const deleteMs = performance.now() - start;

  // Time every transaction the sweep opens: the longest one is what other writers wait on.
  let longestTx = 0;
  const transaction = storeA.transaction.bind(storeA);
  const timed: GdprStore = Object.assign(Object.create(storeA) as GdprStore, {
    transaction: async <T>(work: Parameters<GdprStore['transaction']>[0]) => {
      const t = performance.now();
      try {
        return (await transaction(work)) as T;
      } finally {
        longestTx = Math.max(longestTx, performance.now() - t);
      }
    },
  });
  // Every deletion is journaled (REQ-34): a file journal, as the default is, kept apart.
  const journalDir = await mkdtemp(join(tmpdir(), 'bench-ret-journal-'));
  const gdpr = createGdprMail({
    ...config,
    store: timed,
    encryption: {
      erasureJournal: createFileErasureJournal({ path: join(journalDir, 'erasures.jsonl') }),
    },
  });
  let peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  start = performance.now();
  const report = await gdpr.retention.sweep({
    batchSize: BATCH,
    ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
    onProgress: () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  const sweepMs = performance.now() - start;
  if (report.deleted !== SUBJECTS) throw new Error(`swept ${report.deleted} of ${SUBJECTS}`);

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  console.log(`single DELETE             ${(deleteMs / 1000).toFixed(1)} s`);
  console.log(
    `retention sweep (${BATCH}/page) ${(sweepMs / 1000).toFixed(1)} s, ${report.batches} pages`,
  );
  console.log(`ratio sweep/DELETE        ${(sweepMs / deleteMs).toFixed(2)}x (goal <= 1.5x)`);
  console.log(`longest transaction       ${longestTx.toFixed(0)} ms (goal < 1000 ms)`);
  console.log(`RSS                       ${mb(rssBefore)} before, ${mb(peakRss)} peak`);
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${swept}" CASCADE`);
  await pool.query(`DROP SCHEMA IF EXISTS "${deleted}" CASCADE`);
  await pool.end();
}
