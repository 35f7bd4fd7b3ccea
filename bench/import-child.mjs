// The measured half of bench/import.ts, in plain Node on the built packages so
// the figures are the importer's, not the TypeScript loader's: imports the
// generated list files (CSV on disk, streamed) into PostgreSQL or PGlite on
// disk, then imports them again, and reports timings, the reports, what the
// re-run wrote (nothing, if idempotent), integrity checks and this process's
// peak RSS.
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createGdprMail } from '@gdpr-mail/core';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';

// PGlite is a dependency of @gdpr-mail/postgres, not of the repository root.
const fromPostgres = createRequire(import.meta.resolve('@gdpr-mail/postgres'));

const job = JSON.parse(process.argv[2]);
const s = `"${job.schema}"`;

let store;
let sql;
let close;
if (job.store === 'postgres') {
  const pool = new pg.Pool({ connectionString: job.url, max: 2 });
  store = await createPostgresStore({ pool, schema: job.schema });
  sql = async (text) => (await pool.query(text)).rows;
  close = () => pool.end();
} else {
  const { PGlite } = await import(fromPostgres.resolve('@electric-sql/pglite'));
  const db = await PGlite.create(job.dataDir);
  store = await createPgliteStore({ db, schema: job.schema });
  sql = async (text) => (await db.query(text)).rows;
  close = () => db.close();
}
const gdpr = createGdprMail({ ...job.config, store });
for (const email of readFileSync(job.suppressedFile, 'utf8').split('\n')) {
  if (email) await gdpr.suppression.add(email, 'unsubscribed-all');
}

async function snapshot() {
  const [row] = await sql(`SELECT
    (SELECT count(*) FROM ${s}.subjects)::int AS subjects,
    (SELECT max(updated_at) FROM ${s}.subjects) AS last_update,
    (SELECT count(*) FROM ${s}.consent_events)::int AS events,
    (SELECT seq FROM ${s}.audit_head)::int AS audit_seq`);
  return { ...row, last_update: row.last_update?.toISOString() ?? null };
}

async function importAll() {
  const reports = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const file of job.files) {
    const report = await gdpr.contacts.import(createReadStream(file.path), {
      basis: 'consent',
      list: file.name,
      source: file.source,
      defaultLanguage: 'en',
    });
    delete report.samples;
    reports.push(report);
  }
  const used = process.cpuUsage(cpu);
  // CPU time of this process (user + system): what the importer costs, whatever the machine's load.
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, reports };
}

const first = await importAll();
const afterFirst = await snapshot();
const again = await importAll();
const afterAgain = await snapshot();

// Ledger continuity, the whole table in one statement: every event continues the previous one.
const [ledger] = await sql(`SELECT count(*)::int AS broken FROM ${s}.consent_events e
  LEFT JOIN ${s}.consent_events p ON p.subject_id = e.subject_id AND p.seq = e.seq - 1
  WHERE (e.seq = 1 AND e.prev_hash IS NOT NULL)
     OR (e.seq > 1 AND (p.hash IS NULL OR e.prev_hash IS DISTINCT FROM p.hash))`);
// Encryption at rest: no stored address in the clear (every one is sealed).
const [clear] = await sql(`SELECT count(*)::int AS n FROM ${s}.subjects WHERE email LIKE '%@%'`);
const audit = await gdpr.audit.verify();
const maxRss = process.resourceUsage().maxRSS * 1024;
await gdpr.close();
await close();
process.send?.({
  first,
  again,
  afterFirst,
  afterAgain,
  ledgerBroken: ledger.broken,
  clearAddresses: clear.n,
  auditOk: audit.ok,
  maxRss,
});
