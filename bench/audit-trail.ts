// bench/audit-trail: one person's audit trail (what the DSAR export includes) out of
// a log of ENTRIES rows on the local PostgreSQL, three ways, same run, same rows:
//
//   - `gdpr.audit.entries({ subjectRefs })` through the store's index on the reference
//     (`listAuditForSubjects`, pages of 500), as the export reads it;
//   - the same through a store without that method: the whole log read in pages and
//     filtered (how the export read it before);
//   - a hand-written query: `WHERE subject_ref = ANY($1) ORDER BY seq` (the baseline).
//
// The log is seeded set-based in SQL: mostly `mail.sent` entries of other people (the
// log grows by one a message sent), and TRAIL entries naming the person (by subject
// id, or by keyed suppression hash) spread over it. The hashes are not a valid chain;
// nothing here verifies it. Fails if the three reads differ.
//
//   pnpm bench:audit-trail          (ENTRIES=1000000 by default, TRAIL=200, ROUNDS=5)
//
// Needs PostgreSQL at 127.0.0.1:5432, database `test` (override with DATABASE_URL).
import { performance } from 'node:perf_hooks';
import { type AuditEntry, createGdprMail, type GdprStore } from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const ENTRIES = Number(process.env.ENTRIES ?? 1_000_000);
const TRAIL = Number(process.env.TRAIL ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const schema = `bench_audit_trail_${Date.now().toString(36)}`;
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 4,
});
const subjectId = 'subject-of-the-request';
const suppressionHash = 'f'.repeat(64);
const refs = [subjectId, suppressionHash];

async function collect(entries: AsyncIterable<AuditEntry>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const entry of entries) seqs.push(entry.seq);
  return seqs;
}

/** Best of ROUNDS, in ms, and what the last round returned. */
async function best(run: () => Promise<number[]>): Promise<{ ms: number; seqs: number[] }> {
  let ms = Number.POSITIVE_INFINITY;
  let seqs: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const t = performance.now();
    seqs = await run();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, seqs };
}

try {
  const store = await createPostgresStore({ pool, schema });
  const every = Math.max(1, Math.floor(ENTRIES / TRAIL));
  const t0 = performance.now();
  // Every `every`-th entry names the person (by subject id or suppression hash, in turn).
  await pool.query(
    `INSERT INTO "${schema}".audit_log (seq, at, actor, action, subject_ref, reason, details, prev_hash, hash)
     SELECT g, now(), 'system',
       CASE WHEN g % $2 = 0 THEN 'consent.granted' ELSE 'mail.sent' END,
       CASE WHEN g % $2 = 0 THEN (CASE WHEN (g / $2) % 2 = 0 THEN $3 ELSE $4 END)
            ELSE 'other-' || (g % 50000) END,
       NULL,
       jsonb_build_object('purposeId', 'newsletter', 'campaignId', 'spring', 'idempotencyKey', 'campaign:spring:newsletter:other-' || g),
       md5((g - 1)::text) || md5('p' || (g - 1)), md5(g::text) || md5('h' || g)
     FROM generate_series(1, $1) g`,
    [ENTRIES, every, subjectId, suppressionHash],
  );
  await pool.query(`ANALYZE "${schema}".audit_log`);
  console.log(
    `seeded ${ENTRIES.toLocaleString('en')} audit entries (${Math.floor(ENTRIES / every)} naming the person) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const gdpr = createGdprMail({ ...benchConfig(), store });
  // The same store without the index path: the scan the export did before.
  const { listAuditForSubjects: _, ...rest } = store;
  const scanning = createGdprMail({ ...benchConfig(), store: rest as GdprStore });

  const sql = await best(async () => {
    const { rows } = await pool.query<{ seq: string }>(
      `SELECT * FROM "${schema}".audit_log WHERE subject_ref = ANY($1) ORDER BY seq`,
      [refs],
    );
    return rows.map((r) => Number(r.seq));
  });
  const indexed = await best(() => collect(gdpr.audit.entries({ subjectRefs: refs })));
  const scanned = await best(() => collect(scanning.audit.entries({ subjectRefs: refs })));
  for (const [name, got] of [
    ['index', indexed],
    ['scan', scanned],
  ] as const) {
    if (JSON.stringify(got.seqs) !== JSON.stringify(sql.seqs)) {
      throw new Error(`${name} read ${got.seqs.length} entries, SQL ${sql.seqs.length}`);
    }
  }
  console.log(`hand-written SQL           ${sql.ms.toFixed(1)} ms, ${sql.seqs.length} entries`);
  console.log(
    `audit.entries({ subjectRefs }), index  ${indexed.ms.toFixed(1)} ms  ${(indexed.ms / sql.ms).toFixed(2)}x SQL`,
  );
  console.log(
    `audit.entries({ subjectRefs }), scan   ${scanned.ms.toFixed(1)} ms  ${(scanned.ms / sql.ms).toFixed(0)}x SQL`,
  );
  await gdpr.close();
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
