// bench/audience: resolve the sendable audience of one purpose over 1,000,000
// subjects in PostgreSQL, through the store method (keyset pages) and through a
// hand-written SQL query (server-side cursor) on the same data, in the same run.
//
// Encryption at rest is on, as by default (issue #18): every subject row is what
// the SDK writes — the address sealed under the person's own data key, the
// name (on half of them) in the sealed profile blob, the data key wrapped by
// the KEK in `data_key` — sealed here in Node by the SDK's own encrypting store
// (`createEncryptedStore(...).createSubject` over a store that only captures the
// row), and inserted in batches. The store method is measured THROUGH the
// encrypting wrapper, as `gdpr.audience()` calls it.
//
// Then the same for a three-condition segment (issue #22): the store method with
// `segment` (list AND language AND consent age, compiled to SQL by the store)
// against a hand-written query over the same columns; the bench fails if the
// two return different subjects.
//
//   pnpm bench:audience            (SUBJECTS=200000 for a quicker run)
//
// Needs PostgreSQL at 127.0.0.1:5432, database `test` (override with DATABASE_URL).
import { createHash, createHmac } from 'node:crypto';
import { resourceUsage } from 'node:process';
import {
  type AudienceSegment,
  createEncryptedStore,
  createLocalKeyProvider,
  type GdprStore,
  isEncryptedStore,
  type SegmentFilter,
  type SubjectRecord,
} from '@gdpr-mail/core';
import { resolveSegmentFilter } from '@gdpr-mail/core/internal';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';

const SUBJECTS = Number(process.env.SUBJECTS ?? 1_000_000);
const PAGE = 5000;
const PURPOSE = 'newsletter';
// BENCH_SCHEMA: a schema of your own when other runs share the database.
const SCHEMA = process.env.BENCH_SCHEMA ?? 'gdpr_mail_bench';
const s = `"${SCHEMA}"`;
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

const pool = new pg.Pool({ connectionString: url, max: 4 });
// REUSE=1: keep the data a KEEP=1 run left (same SUBJECTS), to measure again without regenerating.
const reuse =
  process.env.REUSE === '1' &&
  (
    await pool.query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'subjects'`,
      [SCHEMA],
    )
  ).rows[0].n === 1 &&
  (await pool.query(`SELECT count(*)::int AS n FROM ${s}.subjects`)).rows[0].n === SUBJECTS;
if (!reuse) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
const rawStore = await createPostgresStore({ pool, schema: SCHEMA });
// The KEK the SDK derives by default is a local key from config secrets; any 32+ characters do.
const keyProvider = createLocalKeyProvider([
  { id: 'bench-kek', secret: 'bench-kek-secret-0123456789-abcdefghijklmnop' },
]);
const store = createEncryptedStore(rawStore, { keyProvider });
console.log(
  `Store under test is the encrypting wrapper: isEncryptedStore = ${isEncryptedStore(store)}`,
);

// Sealing: the wrapper's own createSubject, over a "store" that hands back what it was given.
let captured: SubjectRecord | undefined;
const capture = {
  kind: 'memory',
  async createSubject(record: SubjectRecord) {
    captured = record;
    return record;
  },
} as unknown as GdprStore;
const sealer = createEncryptedStore(capture, { keyProvider, keyCacheSize: 1 });
const hashKey = Buffer.from('bench-blind-index-key-0123456789');
const subjectId = (i: number) => {
  const h = createHash('md5').update(String(i)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const LANGUAGES = ['fr', 'en', 'de', 'nl', 'it'];
// Lists as an import of three overlapping files leaves them (SEED-01).
const SEGMENTS = [['salon-2018'], ['salon-2018', 'webinar-2024'], ['webinar-2024']];
const COUNTRIES = ['FR', 'BE', 'DE', 'ES', 'IT'];

const started = performance.now();
if (reuse)
  console.log(`Reusing the ${SUBJECTS.toLocaleString('en')} sealed subjects left by a KEEP=1 run`);
else {
  console.log(`Generating ${SUBJECTS.toLocaleString('en')} sealed subjects with mixed ledgers…`);

  const now = Date.now();
  const BATCH = 10_000;
  let sealMs = 0;
  for (let from = 1; from <= SUBJECTS; from += BATCH) {
    const cols = {
      id: [] as string[],
      hash: [] as string[],
      email: [] as string[],
      created: [] as string[],
      profile: [] as string[],
      key: [] as string[],
    };
    const t0 = performance.now();
    for (let i = from; i < Math.min(from + BATCH, SUBJECTS + 1); i += 1) {
      const email = `person${i}@example.test`;
      const createdAt = new Date(now - (i % 1000) * 86_400_000);
      // Half the people gave a name (sealed in the profile blob); all have clear language,
      // country and lists (segments), a source and a customer number (sealed attribute).
      const profile = {
        language: LANGUAGES[i % 5]!,
        country: COUNTRIES[i % 5]!,
        ...(i % 2 === 0 ? { name: `Person ${i}` } : {}),
        contact: {
          segments: SEGMENTS[i % 3]!,
          sources: [
            {
              label: 'Salon X 2018',
              list: SEGMENTS[i % 3]![0]!,
              basis: 'consent',
              importedAt: createdAt,
            },
          ],
          attributes: { customerNumber: `C-${i}` },
        },
      };
      await sealer.createSubject({
        id: subjectId(i),
        emailHash: createHmac('sha256', hashKey).update(email).digest('base64url'),
        email,
        createdAt,
        updatedAt: createdAt,
        profile,
      });
      const row = captured!;
      cols.id.push(row.id);
      cols.hash.push(row.emailHash);
      cols.email.push(row.email);
      cols.created.push(createdAt.toISOString());
      cols.profile.push(JSON.stringify(row.profile));
      cols.key.push(row.dataKey!);
    }
    sealMs += performance.now() - t0;
    await pool.query(
      `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile, data_key)
     SELECT id, h, e, c, now(), p::jsonb, k
     FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
       AS t(id, h, e, c, p, k)`,
      [cols.id, cols.hash, cols.email, cols.created, cols.profile, cols.key],
    );
  }
  {
    const { rows } = await pool.query(
      `SELECT email, profile::text AS profile, data_key FROM ${s}.subjects WHERE id = $1`,
      [subjectId(2)],
    );
    console.log(`  a stored row: ${JSON.stringify(rows[0]).slice(0, 400)}`);
    const clear = await pool.query(
      `SELECT count(*)::int AS n FROM ${s}.subjects WHERE email LIKE '%@example.test' OR profile::text LIKE '%Person %' OR data_key IS NULL`,
    );
    if (clear.rows[0].n !== 0) throw new Error(`${clear.rows[0].n} subject rows hold clear data`);
    console.log(
      `  sealing in Node: ${(sealMs / 1000).toFixed(1)} s; rows with a clear address or name: 0`,
    );
  }
  // History kinds, by i % 10 — what a real list looks like after a few years:
  // 0-3 granted · 4 granted then withdrawn · 5 double opt-in confirmed · 6 still pending
  // 7 granted then unsubscribed from all ('*') · 8 other purpose only · 9 withdrawn then granted again
  await pool.query(
    `INSERT INTO ${s}.consent_events
     (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
   SELECT md5(i::text)::uuid::text, h.seq, md5(i || ':' || h.seq), h.type, h.purpose,
          -- Consent ages spread over 1,000 days: about 73% fall within 24 months.
          now() - ((i * 37) % 1000) * interval '1 day' + h.seq * interval '1 hour',
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
}
const [{ events }] = (await pool.query(`SELECT count(*)::int AS events FROM ${s}.consent_events`))
  .rows as [{ events: number }];
console.log(
  `  ${events.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

// Keyset pages of the store method, as gdpr.audience() walks them. `open`: also read
// every member's address (what mailing them needs), which unwraps their data key
// and decrypts the address; without it, rows are opened lazily and nothing decrypts.
async function viaStore(target: GdprStore, open = false): Promise<number> {
  let count = 0;
  let afterSubjectId: string | undefined;
  let addressBytes = 0;
  for (;;) {
    const page = await target.listAudienceCandidates({
      purposeId: PURPOSE,
      consentRequired: true,
      limit: PAGE,
      ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
    });
    count += page.length;
    if (open) {
      for (const member of page) addressBytes += member.email.length;
    }
    sampleRss();
    if (page.length < PAGE) {
      if (open && addressBytes < count * '@example.test'.length) {
        throw new Error('addresses did not open');
      }
      return count;
    }
    afterSubjectId = page.at(-1)?.id;
  }
}

// The query a DBA would write by hand: latest status-changing event per subject
// in one pass, streamed through a server-side cursor in pages of the same size.
const HAND_WRITTEN = `SELECT sub.id, sub.email_hash, sub.email, sub.created_at, sub.updated_at,
         sub.profile, sub.data_key
  FROM ${s}.subjects sub
  JOIN (SELECT DISTINCT ON (subject_id) subject_id, type
        FROM ${s}.consent_events
        WHERE purpose_id IN ('${PURPOSE}', '*')
          AND type IN ('granted', 'confirmed', 'withdrawn', 'objected', 'expired')
        ORDER BY subject_id, seq DESC) latest ON latest.subject_id = sub.id
  WHERE latest.type IN ('granted', 'confirmed')`;

async function viaCursor(sql: string, onRows?: (rows: { id: string }[]) => void): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DECLARE audience NO SCROLL CURSOR FOR ${sql}`);
    let count = 0;
    for (;;) {
      const { rows } = await client.query(`FETCH ${PAGE} FROM audience`);
      count += rows.length;
      onRows?.(rows);
      sampleRss();
      if (rows.length < PAGE) break;
    }
    await client.query('COMMIT');
    return count;
  } finally {
    client.release();
  }
}

const viaHandWrittenSql = () => viaCursor(HAND_WRITTEN);

// The segment of issue #22's example: on a list, French or Dutch, consented within 24 months.
const SEGMENT_FILTER: SegmentFilter = {
  all: [{ segment: 'salon-2018' }, { language: { in: ['fr', 'nl'] } }, { consentedWithin: 'P24M' }],
};
const segment: AudienceSegment = resolveSegmentFilter(SEGMENT_FILTER, new Date());
const cutoff = segment.op === 'all' && segment.of[2]?.op === 'since' ? segment.of[2].at : undefined;
if (!cutoff) throw new Error('the segment resolved unexpectedly');
const segmentIds = { store: [] as string[], sql: [] as string[] };

async function segmentViaStore(): Promise<number> {
  const ids: string[] = [];
  let afterSubjectId: string | undefined;
  for (;;) {
    const page = await store.listAudienceCandidates({
      purposeId: PURPOSE,
      consentRequired: true,
      limit: PAGE,
      segment,
      ...(afterSubjectId === undefined ? {} : { afterSubjectId }),
    });
    for (const member of page) ids.push(member.id);
    sampleRss();
    if (page.length < PAGE) break;
    afterSubjectId = page.at(-1)?.id;
  }
  segmentIds.store = ids;
  return ids.length;
}

// What a DBA would write over migration 9's columns, streamed the same way.
async function segmentViaHandWrittenSql(): Promise<number> {
  const ids: string[] = [];
  const count = await viaCursor(
    `${HAND_WRITTEN}
       AND 'salon-2018' = ANY (sub.segments)
       AND sub.language IN ('fr', 'nl')
       AND EXISTS (SELECT 1 FROM ${s}.consent_events c
                   WHERE c.subject_id = sub.id AND c.purpose_id = '${PURPOSE}'
                     AND c.type IN ('granted', 'confirmed')
                     AND c.at >= '${cutoff!.toISOString()}')`,
    (rows) => {
      for (const row of rows) ids.push(row.id);
    },
  );
  segmentIds.sql = ids;
  return count;
}

async function timed(run: () => Promise<number>) {
  const t0 = performance.now();
  const count = await run();
  return { ms: performance.now() - t0, count };
}

const rssBefore = process.memoryUsage().rss;
const kinds = ['store', 'sql', 'opened', 'raw'] as const;
type Kind = (typeof kinds)[number];
const runs: Record<Kind, number[]> = { store: [], sql: [], opened: [], raw: [] };
const counts: Record<Kind, number> = { store: 0, sql: 0, opened: 0, raw: 0 };
const ROUNDS = Number(process.env.ROUNDS ?? 3);
// Alternate, so caches warm all alike; keep the best of ROUNDS (default 3) of each.
for (let round = 0; round < ROUNDS; round += 1) {
  const order: Kind[] =
    round % 2 === 0 ? ['store', 'sql', 'opened', 'raw'] : ['sql', 'store', 'raw', 'opened'];
  for (const kind of order) {
    const r = await timed(
      kind === 'sql'
        ? viaHandWrittenSql
        : kind === 'raw'
          ? () => viaStore(rawStore)
          : () => viaStore(store, kind === 'opened'),
    );
    runs[kind].push(r.ms);
    counts[kind] = r.count;
  }
  console.log(
    `  round ${round + 1}: ${kinds.map((k) => `${k} ${runs[k].at(-1)!.toFixed(0)} ms`).join(', ')}`,
  );
}
if (new Set(Object.values(counts)).size !== 1) {
  throw new Error(`Audiences differ: ${JSON.stringify(counts)}`);
}
const best = Object.fromEntries(kinds.map((k) => [k, Math.min(...runs[k])])) as Record<
  Kind,
  number
>;
const ratio = best.store / best.sql;

// The segment, alternating the same way.
const segmentRuns = { store: [] as number[], sql: [] as number[] };
for (let round = 0; round < ROUNDS; round += 1) {
  const order = round % 2 === 0 ? (['store', 'sql'] as const) : (['sql', 'store'] as const);
  for (const kind of order) {
    const r = await timed(kind === 'store' ? segmentViaStore : segmentViaHandWrittenSql);
    segmentRuns[kind].push(r.ms);
  }
  console.log(
    `  segment round ${round + 1}: store ${segmentRuns.store.at(-1)!.toFixed(0)} ms, sql ${segmentRuns.sql.at(-1)!.toFixed(0)} ms`,
  );
}
{
  const a = [...segmentIds.store].sort();
  const b = [...segmentIds.sql].sort();
  if (a.length !== b.length || a.some((id, i) => id !== b[i])) {
    throw new Error(`Segment audiences differ: store ${a.length}, SQL ${b.length} subjects`);
  }
  if (a.length === 0) throw new Error('The segment selected nobody');
}
const segmentBest = { store: Math.min(...segmentRuns.store), sql: Math.min(...segmentRuns.sql) };
const segmentRatio = segmentBest.store / segmentBest.sql;

console.log(
  `\nAudience of "${PURPOSE}" over ${SUBJECTS.toLocaleString('en')} sealed subjects (best of ${ROUNDS}), node ${process.version}`,
);
console.log(`  members                                     ${counts.store.toLocaleString('en')}`);
console.log(`  store method through the encrypting wrapper ${best.store.toFixed(0)} ms`);
console.log(`  hand-written SQL (cursor)                   ${best.sql.toFixed(0)} ms`);
console.log(`  ratio                                       ${ratio.toFixed(2)}x (goal <= 1.3x)`);
console.log(
  `  wrapper, every member's address opened      ${best.opened.toFixed(0)} ms (${(best.opened / best.sql).toFixed(2)}x SQL; ${(((best.opened - best.store) * 1000) / counts.store).toFixed(1)} µs per member to decrypt)`,
);
console.log(
  `  raw store, no wrapper (reference)           ${best.raw.toFixed(0)} ms (${(best.raw / best.sql).toFixed(2)}x SQL)`,
);
console.log(
  `\nSegment ${JSON.stringify(SEGMENT_FILTER)} of "${PURPOSE}" (best of ${ROUNDS}), same subjects`,
);
console.log(
  `  members (same ids both ways)                ${segmentIds.store.length.toLocaleString('en')}`,
);
console.log(`  store method through the encrypting wrapper ${segmentBest.store.toFixed(0)} ms`);
console.log(`  hand-written SQL (cursor)                   ${segmentBest.sql.toFixed(0)} ms`);
console.log(
  `  ratio                                       ${segmentRatio.toFixed(2)}x (goal <= 1.3x)`,
);
console.log(`  RSS before scans                            ${mb(rssBefore)}`);
console.log(`  peak RSS during scans                       ${mb(peakRss)} (pages of ${PAGE})`);
console.log(`  maxRSS (resourceUsage)                      ${mb(resourceUsage().maxRSS * 1024)}`);

await store.close();
if (!process.env.KEEP) await pool.query(`DROP SCHEMA ${s} CASCADE`);
await pool.end();
process.exitCode = ratio <= 1.3 && segmentRatio <= 1.3 ? 0 : 1;
