// bench/audience: resolve the sendable audience of one purpose over 1,000,000
// subjects in PostgreSQL, through the store method (keyset pages) and through a
// hand-written SQL query (server-side cursor) on the same data, in the same run.
//
//   pnpm bench:audience            (SUBJECTS=200000 for a quicker run)
//
// Needs PostgreSQL at 127.0.0.1:5432, database `test` (override with DATABASE_URL).
import { resourceUsage } from 'node:process';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';

const SUBJECTS = Number(process.env.SUBJECTS ?? 1_000_000);
const PAGE = 5000;
const PURPOSE = 'newsletter';
const SCHEMA = 'gdpr_mail_bench';
const s = `"${SCHEMA}"`;
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

const pool = new pg.Pool({ connectionString: url, max: 4 });
await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
const store = await createPostgresStore({ pool, schema: SCHEMA });

console.log(`Generating ${SUBJECTS.toLocaleString('en')} subjects with mixed ledgers…`);
const started = performance.now();
await pool.query(
  `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile)
   SELECT md5(i::text)::uuid::text, md5('h' || i), 'person' || i || '@example.test',
          now() - (i % 1000) * interval '1 day', now(), '{}'::jsonb
   FROM generate_series(1, $1) AS i`,
  [SUBJECTS],
);
// History kinds, by i % 10 — what a real list looks like after a few years:
// 0-3 granted · 4 granted then withdrawn · 5 double opt-in confirmed · 6 still pending
// 7 granted then unsubscribed from all ('*') · 8 other purpose only · 9 withdrawn then granted again
await pool.query(
  `INSERT INTO ${s}.consent_events
     (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
   SELECT md5(i::text)::uuid::text, h.seq, md5(i || ':' || h.seq), h.type, h.purpose,
          now() - interval '30 days' + h.seq * interval '1 day',
          '{"source":"bench","method":"checkbox","actor":"subject"}'::jsonb,
          NULL, md5(i || '#' || h.seq)
   FROM generate_series(1, $1) AS i
   JOIN (VALUES
     (0, 1, 'granted', 'newsletter'), (1, 1, 'granted', 'newsletter'),
     (2, 1, 'granted', 'newsletter'), (3, 1, 'granted', 'newsletter'),
     (4, 1, 'granted', 'newsletter'), (4, 2, 'withdrawn', 'newsletter'),
     (5, 1, 'requested', 'newsletter'), (5, 2, 'confirmed', 'newsletter'),
     (6, 1, 'requested', 'newsletter'),
     (7, 1, 'granted', 'newsletter'), (7, 2, 'withdrawn', '*'),
     (8, 1, 'granted', 'partners'),
     (9, 1, 'granted', 'newsletter'), (9, 2, 'withdrawn', 'newsletter'),
     (9, 3, 'granted', 'newsletter')
   ) AS h(kind, seq, type, purpose) ON h.kind = i % 10`,
  [SUBJECTS],
);
await pool.query(`VACUUM ANALYZE ${s}.subjects`);
await pool.query(`VACUUM ANALYZE ${s}.consent_events`);
const [{ events }] = (await pool.query(`SELECT count(*)::int AS events FROM ${s}.consent_events`))
  .rows as [{ events: number }];
console.log(
  `  ${events.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

async function viaStore(): Promise<number> {
  let count = 0;
  let afterSubjectId: string | undefined;
  for (;;) {
    const page = await store.listAudienceCandidates({
      purposeId: PURPOSE,
      consentRequired: true,
      limit: PAGE,
      ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
    });
    count += page.length;
    sampleRss();
    if (page.length < PAGE) return count;
    afterSubjectId = page.at(-1)?.id;
  }
}

// The query a DBA would write by hand: latest status-changing event per subject
// in one pass, streamed through a server-side cursor in pages of the same size.
async function viaHandWrittenSql(): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `DECLARE audience NO SCROLL CURSOR FOR
       SELECT sub.id, sub.email_hash, sub.email, sub.created_at, sub.updated_at, sub.profile
       FROM ${s}.subjects sub
       JOIN (SELECT DISTINCT ON (subject_id) subject_id, type
             FROM ${s}.consent_events
             WHERE purpose_id IN ('${PURPOSE}', '*')
               AND type IN ('granted', 'confirmed', 'withdrawn', 'objected', 'expired')
             ORDER BY subject_id, seq DESC) latest ON latest.subject_id = sub.id
       WHERE latest.type IN ('granted', 'confirmed')`,
    );
    let count = 0;
    for (;;) {
      const { rows } = await client.query(`FETCH ${PAGE} FROM audience`);
      count += rows.length;
      sampleRss();
      if (rows.length < PAGE) break;
    }
    await client.query('COMMIT');
    return count;
  } finally {
    client.release();
  }
}

async function timed(run: () => Promise<number>) {
  const t0 = performance.now();
  const count = await run();
  return { ms: performance.now() - t0, count };
}

const rssBefore = process.memoryUsage().rss;
const runs = { store: [] as number[], sql: [] as number[] };
let counts = { store: 0, sql: 0 };
// Alternate, so caches warm both alike; keep the best of three of each.
for (let round = 0; round < 3; round += 1) {
  const a = await timed(viaStore);
  const b = await timed(viaHandWrittenSql);
  runs.store.push(a.ms);
  runs.sql.push(b.ms);
  counts = { store: a.count, sql: b.count };
}
if (counts.store !== counts.sql) {
  throw new Error(`Audiences differ: store ${counts.store}, SQL ${counts.sql}`);
}
const best = { store: Math.min(...runs.store), sql: Math.min(...runs.sql) };
const ratio = best.store / best.sql;

console.log(`Audience of "${PURPOSE}" over ${SUBJECTS.toLocaleString('en')} subjects`);
console.log(`  members                     ${counts.store.toLocaleString('en')}`);
console.log(`  store method (keyset pages) ${best.store.toFixed(0)} ms`);
console.log(`  hand-written SQL (cursor)   ${best.sql.toFixed(0)} ms`);
console.log(`  ratio                       ${ratio.toFixed(2)}x (goal <= 1.3x)`);
console.log(`  RSS before scans            ${mb(rssBefore)}`);
console.log(`  peak RSS during scans       ${mb(peakRss)} (pages of ${PAGE})`);
console.log(`  maxRSS (resourceUsage)      ${mb(resourceUsage().maxRSS * 1024)}`);

await store.close();
if (!process.env.KEEP) await pool.query(`DROP SCHEMA ${s} CASCADE`);
await pool.end();
process.exitCode = ratio <= 1.3 ? 0 : 1;
