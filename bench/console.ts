// bench/console: the privacy console's pages (issue #24) over 1,000,000 subjects and
// 10,000 open data-subject requests on PostgreSQL, each page timed N times through
// the Fetch handler (`createGdprConsole`), against a baseline timed the same way in
// the same run: the hand-written SQL of the first page of open requests
// (ORDER BY deadline LIMIT n). Goal of the issue: every page within 200 ms p95.
//
// Seeding is set-based (generate_series) in a schema of its own, dropped at the end:
// - SUBJECTS people, unsealed rows (the encrypting store reads a row without a data
//   key as it is), each with a consent ledger (granted; one in ten withdrawn later),
//   collected over four years, so the retention plan has people due;
// - LOOKUPS people created through the SDK (sealed address, chained ledger with
//   proof): the ones the person lookup and the person page open;
// - DSAR_OPEN open requests with deadlines from overdue to a month ahead (one in
//   twenty extended), and DSAR_CLOSED answered ones over two years (the list must
//   not walk past them);
// - BREACHES incidents (a few open, the rest closed), cloned from one the SDK opened;
// - AUDIT entries appended through `gdpr.audit.record`, so verifying the chain has a
//   log to walk (it walks all of it: reported on its own, per 1,000 entries).
//
// The bench exits non-zero if a list page shows other rows than the baseline's SQL.
//
//   pnpm bench:console      (SUBJECTS=20000 DSAR_OPEN=2000 for a quick run)
//   N=200 requests per page after WARMUP=20; HEAVY_N=3 for the retention plan and
//   the audit verification (full walks); KEEP=1 keeps the schema (BENCH_SCHEMA names it),
//   REUSE=1 measures again on the data it left (without KEEP=1, dropped at the end).
//
// Needs PostgreSQL at 127.0.0.1:5432, database `test` (override with DATABASE_URL).
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGdprConsole } from '@gdpr-mail/console';
import { createFileErasureJournal, createGdprMail } from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const SUBJECTS = Number(process.env.SUBJECTS ?? 1_000_000);
const DSAR_OPEN = Number(process.env.DSAR_OPEN ?? 10_000);
const DSAR_CLOSED = Number(process.env.DSAR_CLOSED ?? 20_000);
const BREACHES = Number(process.env.BREACHES ?? 500);
const LOOKUPS = Number(process.env.LOOKUPS ?? 20);
const AUDIT = Number(process.env.AUDIT ?? 10_000);
const N = Number(process.env.N ?? 200);
const WARMUP = Number(process.env.WARMUP ?? 20);
const HEAVY_N = Number(process.env.HEAVY_N ?? 3);
const PAGE_SIZE = 25;
// The "later page": the one reached by following "Next" this many times.
const DEPTH = Number(process.env.DEPTH ?? 40);
const OPEN = `('received', 'identity-verified', 'in-progress')`;

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pool = new pg.Pool({ connectionString: url, max: 4 });
const SCHEMA =
  process.env.BENCH_SCHEMA ?? `bench_console_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const s = `"${SCHEMA}"`;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
// A Date as the store writes it into jsonb: { "$date": ISO 8601 UTC with milliseconds }.
const jsonDate = (sql: string) =>
  `jsonb_build_object('$date', to_char((${sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

let failed = false;
const fail = (message: string) => {
  console.error(`MISMATCH: ${message}`);
  failed = true;
};

try {
  console.log(
    `Console bench: ${SUBJECTS.toLocaleString('en')} subjects, ${DSAR_OPEN.toLocaleString('en')} open and ${DSAR_CLOSED.toLocaleString('en')} closed requests, ${BREACHES} breaches, ${AUDIT.toLocaleString('en')} audit entries; schema ${SCHEMA}; node ${process.version}; load ${load()}`,
  );
  const reuse =
    process.env.REUSE === '1' &&
    (
      await pool.query(
        `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'subjects'`,
        [SCHEMA],
      )
    ).rows[0].n === 1;
  if (!reuse) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  const store = await createPostgresStore({ pool, schema: SCHEMA });
  const journalDir = await mkdtemp(join(tmpdir(), 'bench-console-journal-'));
  const gdpr = createGdprMail({
    ...benchConfig(),
    store,
    encryption: {
      erasureJournal: createFileErasureJournal({ path: join(journalDir, 'erasures.jsonl') }),
    },
  });
  const lookupAddress = (i: number) => `dpo-lookup-${i}@example.org`;

  if (reuse) console.log('Reusing the data a KEEP=1 run left');
  else {
    const t0 = performance.now();
    await pool.query(
      `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile)
       SELECT md5(g::text)::uuid::text, encode(sha256(('bench-console:' || g)::bytea), 'hex'),
              'p' || g || '@example.test', now() - (g % 1460) * interval '1 day',
              now() - (g % 1460) * interval '1 day', '{}'
       FROM generate_series(1, $1) g`,
      [SUBJECTS],
    );
    await pool.query(
      `INSERT INTO ${s}.consent_events (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
       SELECT md5(g::text)::uuid::text, h.seq, 'e' || g || '-' || h.seq, h.type, 'newsletter',
              now() - (g % 1460) * interval '1 day' + h.seq * interval '1 hour',
              '{"source":"bench","method":"checkbox","actor":"subject"}', NULL, md5(g || '#' || h.seq)
       FROM generate_series(1, $1) g
       JOIN (VALUES (1, 'granted'), (2, 'withdrawn')) AS h(seq, type)
         ON h.seq = 1 OR g % 10 = 0`,
      [SUBJECTS],
    );
    console.log(`  subjects and ledgers: ${secs(performance.now() - t0)}`);

    // The people looked up: created by the SDK, so sealed and with a real proof.
    for (let i = 0; i < LOOKUPS; i += 1) {
      await gdpr.consent.record({
        email: lookupAddress(i),
        purposes: ['newsletter'],
        evidence: {
          action: 'affirmative',
          method: 'checkbox',
          source: 'signup-form',
          formId: 'signup-v1',
          ip: '203.0.113.7',
        },
      });
    }

    // Open requests: received 0 to 60 days ago (due a calendar month later: about half
    // overdue), one in twenty extended by two months; the column is the deadline in force.
    const t1 = performance.now();
    const subjectOf = `md5(((g * 7919) % ${SUBJECTS} + 1)::text)::uuid::text`;
    const types = `(ARRAY['access','erasure','portability','rectification','restriction','objection'])[g % 6 + 1]`;
    await pool.query(
      `INSERT INTO ${s}.dsar_requests (id, version, status, subject_id, due_at, request)
       SELECT id, 1, status, subject_id,
              CASE WHEN extended THEN received + interval '3 months' ELSE received + interval '1 month' END,
              jsonb_build_object(
                'id', id, 'type', type, 'status', status, 'subjectId', subject_id,
                'receivedAt', ${jsonDate('received')},
                'dueAt', ${jsonDate(`received + interval '1 month'`)},
                'sources', '{}'::jsonb,
                'steps', jsonb_build_array(jsonb_build_object(
                  'at', ${jsonDate('received')}, 'action', 'received', 'actor', 'subject')),
                'version', 1)
              || CASE WHEN extended THEN jsonb_build_object(
                   'extendedDueAt', ${jsonDate(`received + interval '3 months'`)},
                   'extensionReason', 'Complex request (bench)') ELSE '{}'::jsonb END
              || CASE WHEN status <> 'received' THEN jsonb_build_object(
                   'verifiedAt', ${jsonDate(`received + interval '1 hour'`)}) ELSE '{}'::jsonb END
       FROM (SELECT md5('dsar-open:' || g)::uuid::text AS id, ${types} AS type,
                    (ARRAY['received','identity-verified','in-progress'])[g % 3 + 1] AS status,
                    ${subjectOf} AS subject_id,
                    date_trunc('milliseconds', now() - (g % 60) * interval '1 day' - (g % 1440) * interval '1 minute') AS received,
                    g % 20 = 0 AS extended
             FROM generate_series(1, $1) g) r`,
      [DSAR_OPEN],
    );
    // Answered requests over two years, many with deadlines among the open ones'.
    await pool.query(
      `INSERT INTO ${s}.dsar_requests (id, version, status, subject_id, due_at, request)
       SELECT id, 2, status, subject_id, received + interval '1 month',
              jsonb_build_object(
                'id', id, 'type', type, 'status', status, 'subjectId', subject_id,
                'receivedAt', ${jsonDate('received')},
                'dueAt', ${jsonDate(`received + interval '1 month'`)},
                'completedAt', ${jsonDate(`received + interval '10 days'`)},
                'sources', '{}'::jsonb,
                'steps', jsonb_build_array(
                  jsonb_build_object('at', ${jsonDate('received')}, 'action', 'received', 'actor', 'subject'),
                  jsonb_build_object('at', ${jsonDate(`received + interval '10 days'`)}, 'action', status, 'actor', 'admin')),
                'version', 2)
       FROM (SELECT md5('dsar-closed:' || g)::uuid::text AS id, ${types} AS type,
                    (ARRAY['completed','completed','completed','rejected'])[g % 4 + 1] AS status,
                    ${subjectOf} AS subject_id,
                    date_trunc('milliseconds', now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute') AS received
             FROM generate_series(1, $1) g) r`,
      [DSAR_CLOSED],
    );
    console.log(`  requests: ${secs(performance.now() - t1)}`);

    // Breaches: one opened by the SDK, cloned; the ten newest open, the rest closed.
    const template = await gdpr.breaches.open({
      title: 'Laptop stolen from a car',
      awareAt: new Date(),
      nature: {
        description: 'An unencrypted export on a stolen laptop',
        subjectCategories: ['customers'],
        approxSubjects: 1200,
        recordCategories: ['contact details'],
        approxRecords: 1200,
      },
      likelyConsequences: 'Unwanted mail',
      measures: 'Passwords reset, device wiped remotely',
      risk: 'risk',
      actor: 'bench',
    });
    await pool.query(
      `INSERT INTO ${s}.breaches (id, version, status, aware_at, incident)
       SELECT id, 1, status, aware,
              t.incident || jsonb_build_object('id', id, 'status', status,
                'awareAt', ${jsonDate('aware')}, 'notifyBy', ${jsonDate(`aware + interval '72 hours'`)},
                'title', 'Incident ' || g)
              || CASE WHEN status = 'closed' THEN jsonb_build_object(
                   'closedAt', ${jsonDate(`aware + interval '5 days'`)},
                   'authorityNotifiedAt', ${jsonDate(`aware + interval '2 days'`)}) ELSE '{}'::jsonb END
       FROM (SELECT md5('breach:' || g)::uuid::text AS id, g,
                    CASE WHEN g <= 10 THEN 'open' ELSE 'closed' END AS status,
                    date_trunc('milliseconds', now() - g * interval '1 day' - (g % 24) * interval '1 hour') AS aware
             FROM generate_series(1, $1) g) b,
            (SELECT incident FROM ${s}.breaches WHERE id = $2) t`,
      [BREACHES - 1, template.id],
    );

    // An audit log to verify: appended one by one, as the SDK does.
    const t2 = performance.now();
    for (let i = 0; i < AUDIT; i += 1) {
      await gdpr.audit.record({
        actor: 'bench',
        action: 'bench.entry',
        subjectRef: `s-${i % 1000}`,
        details: { i },
      });
    }
    console.log(`  audit entries: ${secs(performance.now() - t2)}`);
    for (const table of ['subjects', 'consent_events', 'dsar_requests', 'breaches', 'audit_log']) {
      await pool.query(`VACUUM ANALYZE ${s}.${table}`);
    }
    console.log(`  seeded in ${secs(performance.now() - t0)}; load ${load()}`);
  }

  const lookupIds: string[] = [];
  for (let i = 0; i < LOOKUPS; i += 1) {
    const subject = await gdpr.subjects.get(lookupAddress(i));
    if (!subject) throw new Error('a looked-up person is missing');
    lookupIds.push(subject.id);
  }

  // ------------------------------------------------------------------ the console
  const ORIGIN = 'https://app.acme.test';
  const BASE = '/admin/privacy';
  const handler = createGdprConsole(gdpr, {
    basePath: BASE,
    pageSize: PAGE_SIZE,
    locale: 'en',
    authorize: () => 'staff:bench-dpo',
  });
  const first = await handler(new Request(`${ORIGIN}${BASE}/audit`));
  const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())?.[1] ?? '';
  if (!cookie || !csrf) throw new Error('no CSRF cookie or field from the console');
  const get = (path: string) => handler(new Request(`${ORIGIN}${path}`, { headers: { cookie } }));
  const post = (path: string, fields: Record<string, string> = {}) =>
    handler(
      new Request(`${ORIGIN}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      }),
    );
  async function page(path: string): Promise<string> {
    const response = await get(path);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    return text;
  }
  const requestIds = (text: string) =>
    [...text.matchAll(/href="\/admin\/privacy\/requests\/([A-Za-z0-9_-]+)"/g)].map((m) => m[1]!);
  const breachIds = (text: string) =>
    [...text.matchAll(/href="\/admin\/privacy\/breaches\/([A-Za-z0-9_-]+)"/g)].map((m) => m[1]!);
  const nextLink = (text: string) =>
    /<a rel="next" href="([^"]+)"/.exec(text)?.[1]?.replaceAll('&amp;', '&');

  // The baseline: what a DBA writes for the first page of open requests.
  // The columns the page shows: id, type, status, received, deadline.
  const baselineSql = `SELECT id, request->>'type' AS type, status, request->'receivedAt' AS received, due_at
    FROM ${s}.dsar_requests WHERE status IN ${OPEN}
    ORDER BY due_at, id LIMIT ${PAGE_SIZE + 1}`;
  const baseline = async () => (await pool.query(baselineSql)).rows.map((r) => r.id as string);

  // Rows compared before timing: the first page, a later page, the breach register.
  const firstHtml = await page(`${BASE}/requests`);
  const sqlFirst = (await baseline()).slice(0, PAGE_SIZE);
  if (requestIds(firstHtml).join() !== sqlFirst.join()) fail('first page of open requests');
  let laterPath = nextLink(firstHtml);
  let laterHtml = firstHtml;
  for (let i = 1; i < DEPTH && laterPath; i += 1) {
    laterHtml = await page(laterPath);
    const next = nextLink(laterHtml);
    if (!next) break;
    laterPath = next;
  }
  if (!laterPath) throw new Error('no "Next" link on the first page of requests');
  laterHtml = await page(laterPath);
  const laterOffset = (() => {
    const after = decodeURIComponent(new URL(laterPath, ORIGIN).searchParams.get('after') ?? '');
    return after;
  })();
  {
    const cut = laterOffset.lastIndexOf('~');
    const { rows } = await pool.query(
      `SELECT id FROM ${s}.dsar_requests WHERE status IN ${OPEN} AND (due_at, id) > ($1, $2)
       ORDER BY due_at, id LIMIT ${PAGE_SIZE}`,
      [new Date(laterOffset.slice(0, cut)), laterOffset.slice(cut + 1)],
    );
    if (requestIds(laterHtml).join() !== rows.map((r) => r.id).join()) fail('later page');
    const { rows: position } = await pool.query(
      `SELECT count(*)::int AS n FROM ${s}.dsar_requests WHERE status IN ${OPEN} AND (due_at, id) <= ($1, $2)`,
      [new Date(laterOffset.slice(0, cut)), laterOffset.slice(cut + 1)],
    );
    console.log(
      `  later page: rows ${position[0].n + 1}–${position[0].n + PAGE_SIZE} of the open requests`,
    );
  }
  {
    const { rows } = await pool.query(
      `SELECT id FROM ${s}.breaches ORDER BY aware_at DESC, id DESC LIMIT ${PAGE_SIZE}`,
    );
    if (breachIds(await page(`${BASE}/breaches`)).join() !== rows.map((r) => r.id).join()) {
      fail('breach register');
    }
  }
  // How PostgreSQL reads the store's list queries (the same SQL as listDsarRequests).
  for (const [label, sql, params] of [
    ['first page', `${baselineSql.replace(/SELECT .*\n\s*FROM/, 'SELECT request FROM')}`, []],
    [
      'keyset page',
      `SELECT request FROM ${s}.dsar_requests WHERE status IN ${OPEN} AND (due_at, id) > ($1, $2)
       ORDER BY due_at, id LIMIT ${PAGE_SIZE + 1}`,
      [
        new Date(laterOffset.slice(0, laterOffset.lastIndexOf('~'))),
        laterOffset.slice(laterOffset.lastIndexOf('~') + 1),
      ],
    ],
  ] as const) {
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, [...params]);
    const lines = rows.map((r) => r['QUERY PLAN'] as string);
    console.log(
      `  plan of the ${label}: ${lines
        .filter((l) => /Scan|Sort/.test(l))
        .map((l) => l.trim())
        .join(' / ')}; ${lines.find((l) => l.startsWith('Execution Time'))}`,
    );
  }
  const overdueShown = (firstHtml.match(/class="overdue"/g) ?? []).length;
  if (overdueShown === 0) fail('no overdue request on the first page');
  const detailIds = requestIds(firstHtml).concat(requestIds(laterHtml));

  // ------------------------------------------------------------------ timing
  interface Result {
    name: string;
    runs: number[];
    note?: string;
  }
  const results: Result[] = [];
  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  async function time(
    name: string,
    run: (i: number) => Promise<void>,
    n = N,
    warmup = WARMUP,
    note?: string,
  ) {
    for (let i = 0; i < warmup; i += 1) await run(i);
    const runs: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const t = performance.now();
      await run(i);
      runs.push(performance.now() - t);
    }
    results.push({ name, runs, ...(note ? { note } : {}) });
    const sorted = [...runs].sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(34)} p50 ${pct(sorted, 50).toFixed(1)} ms, p95 ${pct(sorted, 95).toFixed(1)} ms (${n} runs; load ${load()})`,
    );
  }
  const expectStatus = async (response: Promise<Response>, status: number, what: string) => {
    const r = await response;
    await r.text();
    if (r.status !== status) throw new Error(`${what} answered ${r.status}`);
  };

  console.log(`\nTiming (N=${N} after ${WARMUP} warm-up; heavy pages ${HEAVY_N} runs)…`);
  await time('baseline: hand-written SQL page', async () => {
    await baseline();
  });
  await time('requests, first page', async () => {
    await expectStatus(get(`${BASE}/requests`), 200, 'requests');
  });
  await time(`requests, page ${DEPTH + 1} (keyset)`, async () => {
    await expectStatus(get(laterPath), 200, 'later page');
  });
  await time('request detail', async (i) => {
    await expectStatus(get(`${BASE}/requests/${detailIds[i % detailIds.length]}`), 200, 'detail');
  });
  await time('person lookup (POST → 303)', async (i) => {
    await expectStatus(
      post(`${BASE}/person`, { email: lookupAddress(i % LOOKUPS) }),
      303,
      'lookup',
    );
  });
  await time('person page', async (i) => {
    await expectStatus(get(`${BASE}/person/${lookupIds[i % LOOKUPS]}`), 200, 'person');
  });
  await time('breaches, first page', async () => {
    await expectStatus(get(`${BASE}/breaches`), 200, 'breaches');
  });
  await time('records', async () => {
    await expectStatus(get(`${BASE}/records`), 200, 'records');
  });
  // The retention page computes its plan in the background (the plan walks every
  // subject): the page itself answers at once, reloading itself until the plan shows.
  await time('retention page (plan in the background)', async () => {
    await expectStatus(get(`${BASE}/retention`), 200, 'retention');
  });
  await time(
    'retention plan, asked until shown (not a page)',
    async () => {
      await expectStatus(post(`${BASE}/retention/plan`), 303, 'plan');
      for (;;) {
        const text = await (await get(`${BASE}/retention`)).text();
        if (text.includes('data-plan="done"')) break;
        if (text.includes('data-plan="failed"')) throw new Error('the plan failed');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    HEAVY_N,
    0,
    'background job, polled every 100 ms',
  );
  // For comparison only (not a page): the same walk in pages of 5,000 instead of 500.
  await time(
    'retention.plan(), batchSize 5000',
    async () => {
      await gdpr.retention.plan({ samples: 0, batchSize: 5000 });
    },
    1,
    0,
    'direct call, not a page',
  );
  const { rows: auditRows } = await pool.query(`SELECT count(*)::int AS n FROM ${s}.audit_log`);
  const auditEntries = auditRows[0].n as number;
  await time(
    'audit verify (walks the chain)',
    async () => {
      await expectStatus(post(`${BASE}/audit/verify`), 200, 'audit verify');
    },
    HEAVY_N,
    1,
    `${auditEntries.toLocaleString('en')} entries`,
  );

  // ------------------------------------------------------------------ report
  const base = results[0]!;
  const stat = (runs: number[]) => {
    const sorted = [...runs].sort((a, b) => a - b);
    return { p50: pct(sorted, 50), p95: pct(sorted, 95), max: sorted.at(-1)! };
  };
  const b = stat(base.runs);
  console.log(
    `\nConsole pages, ${SUBJECTS.toLocaleString('en')} subjects, ${DSAR_OPEN.toLocaleString('en')} open requests (PostgreSQL; load ${load()})`,
  );
  console.log(
    `${'page'.padEnd(38)}${'runs'.padStart(5)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'max'.padStart(10)}${'p50/base'.padStart(10)}${'p95/base'.padStart(10)}  goal p95 <= 200 ms`,
  );
  for (const r of results) {
    const x = stat(r.runs);
    const verdict = r === base ? '' : x.p95 <= 200 ? 'met' : 'NOT met';
    console.log(
      `${r.name.padEnd(38)}${String(r.runs.length).padStart(5)}${`${x.p50.toFixed(1)}`.padStart(10)}${`${x.p95.toFixed(1)}`.padStart(10)}${`${x.max.toFixed(1)}`.padStart(10)}${`${(x.p50 / b.p50).toFixed(1)}x`.padStart(10)}${`${(x.p95 / b.p95).toFixed(1)}x`.padStart(10)}  ${verdict}${r.note ? ` (${r.note})` : ''}`,
    );
  }
  const verify = results.at(-1)!;
  console.log(
    `audit verify per 1,000 entries: ${((stat(verify.runs).p50 * 1000) / auditEntries).toFixed(1)} ms`,
  );
  console.log(`rows: the list pages show the baseline SQL's rows: ${failed ? 'NO' : 'yes'}`);
} finally {
  if (process.env.KEEP !== '1') await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pool.end();
}
if (failed) process.exit(1);
