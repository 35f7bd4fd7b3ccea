// Peak memory of a DSAR export for one person with 100,000 delivery records and a
// ledger of 1,000 events, on the local PostgreSQL (own schema), streamed to a file.
// Goal: peak RSS < 100 MB, i.e. the export never holds the rows in memory.
// The export itself runs in a child process on the built packages (bench/dsar-export-child.mjs),
// so the peak RSS printed is a plain Node process doing the export, not the TS loader.
// Run: pnpm build && pnpm bench:dsar-export   (needs PostgreSQL at 127.0.0.1:5432, db test)

import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGdprMail,
  type GdprMailConfig,
  InMemoryTransport,
  isEncryptedStore,
} from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const schema = `bench_dsar_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 4 });
const store = await createPostgresStore({ pool, schema });
const transport = new InMemoryTransport();
const baseConfig: GdprMailConfig = {
  ...benchConfig(),
  mailer: { from: { address: 'privacy@acme.example' } },
  // IP and user agent kept in every consent proof: personal data, sealed at rest, exported (issue #18).
  proof: { recordIp: true, recordUserAgent: true },
};
const gdpr = createGdprMail({ ...baseConfig, store, transport });

const email = 'heavy.user@example.org';
const ip = '203.0.113.77';
const userAgent = 'Mozilla/5.0 (bench; DSAR export) Gecko/20100101 Firefox/133.0';
const evidence = {
  action: 'affirmative' as const,
  method: 'checkbox' as const,
  source: 'bench',
  ip,
  userAgent,
};
// Encryption at rest is on by default: the store is wrapped, rows hold ciphertext.
if (!isEncryptedStore(gdpr.store)) throw new Error('the store is not encrypted');
await gdpr.consent.record({ email, purposes: ['newsletter'], evidence });
await gdpr.subjects.upsert(email, { name: 'Heavy User' });
const subject = (await gdpr.subjects.get(email))!;
// Seed in SQL: 1,000 ledger events are written through the API, 100,000 deliveries in bulk.
for (let i = 0; i < 999; i += 1) {
  await gdpr.consent.withdraw({
    email,
    purposes: ['newsletter'],
    evidence: { source: 'bench', ip, userAgent },
  });
  await gdpr.consent.record({ email, purposes: ['newsletter'], evidence });
  i += 1;
}
await pool.query(
  `INSERT INTO "${schema}".deliveries
     (idempotency_key, message_id, subject_id, purpose_id, campaign_id, transport, status, retryable, attempts, created_at, updated_at)
   SELECT 'k' || g, '<m' || g || '@acme.example>', $1, 'newsletter', 'c' || (g / 1000), 'smtp', 'accepted', false, 1, now(), now()
   FROM generate_series(1, $2) g`,
  [subject.id, ROWS],
);

await gdpr.dsar.request({ email, type: 'access' });
const token = /\/dsar\/verify\/(\S+)/.exec(transport.sentTo(email).at(-1)!.message.text!)![1]!;
const request = await gdpr.dsar.verify(token);

// Nothing personal in the clear in the tables: address, name, IP and user agent are ciphertext.
const clear = await pool.query(
  `SELECT (SELECT count(*) FROM "${schema}".subjects
            WHERE email LIKE '%example.org%' OR profile::text LIKE '%Heavy User%')
        + (SELECT count(*) FROM "${schema}".consent_events
            WHERE proof::text LIKE '%203.0.113.77%' OR proof::text LIKE '%Firefox%') AS n`,
);
if (Number(clear.rows[0].n) !== 0) throw new Error('personal data stored in the clear');

const dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-dsar-'));
const file = join(dir, 'export.json');
const child = fork(
  new URL('./dsar-export-child.mjs', import.meta.url).pathname,
  [schema, request.id, file, JSON.stringify(baseConfig)],
  { execArgv: [] },
);
const result = await new Promise<{
  before: number;
  peak: number;
  ms: number;
  bytes: number;
  encrypted: boolean;
}>((ok, fail) => {
  child.once('message', (m) => ok(m as never));
  child.once('error', fail);
});
await new Promise((ok) => child.once('exit', ok));

// The export is the clear data: the address, the name, and the IP and user agent of the proofs.
const exported = readFileSync(file, 'utf8');
const opened = [email, 'Heavy User', ip, userAgent].every((v) => exported.includes(v));
if (!opened) throw new Error('the export does not hold the decrypted personal data');
const ips = exported.split(ip).length - 1;

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(
  `  encryption at rest: store wrapped in the exporting process = ${result.encrypted}; clear rows in the tables: 0; proofs with the IP opened in the export: ${ips}`,
);
console.log(
  `DSAR export: ${ROWS} delivery rows + ${(await store.listConsentEvents(subject.id)).length} ledger events`,
);
console.log(`  file ${mb(result.bytes)} MB in ${(result.ms / 1000).toFixed(1)} s`);
console.log(
  `  exporting process: RSS ${mb(result.before)} MB at start, peak ${mb(result.peak)} MB (goal < 100 MB)`,
);

rmSync(dir, { recursive: true, force: true });
await gdpr.close();
await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
await pool.end();
