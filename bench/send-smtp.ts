// The full send pipeline (policy + suppression + unsubscribe headers + claims +
// audit, on the embedded PGlite store) vs a raw nodemailer pool, to the same
// local smtp-server, in the same run, rounds alternating which goes first.
// Usage: pnpm bench:send-smtp (BENCH_N=10000, BENCH_ROUNDS=3,
//   STORE=pglite | pglite-main | postgres)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGdprMail, isEncryptedStore } from '@gdpr-mail/core';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { benchConfig, startSinkSmtpServer } from './fixtures.js';

const N = Number(process.env.BENCH_N ?? 10_000);
const POOL = { maxConnections: 5, maxMessages: 100 };

const { server, port } = await startSinkSmtpServer();

const dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-bench-send-'));
// STORE=pglite (default): the embedded PGlite in a folder, on a worker thread (`worker: true`,
// the setting for bulk sends). STORE=pglite-main: the same on this thread, sharing it with the
// SMTP client and server. STORE=postgres: the local PostgreSQL server (a schema of its own,
// dropped afterwards).
const storeKind = process.env.STORE ?? 'pglite';
if (!['pglite', 'pglite-main', 'postgres'].includes(storeKind)) {
  throw new Error(`STORE=${storeKind}: expected pglite, pglite-main or postgres`);
}
const onPostgres = storeKind === 'postgres';
const pool = onPostgres
  ? new pg.Pool({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    })
  : undefined;
const schema = `bench_send_${Date.now().toString(36)}`;
const store = pool
  ? await createPostgresStore({ pool, schema })
  : await createPgliteStore({ dataDir: dir, worker: storeKind === 'pglite' });
const gdpr = createGdprMail({
  ...benchConfig(),
  store,
  transport: createSmtpTransport({
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
    ...POOL,
    processor: { name: 'bench relay', role: 'email delivery', country: 'FR' },
  }),
  mailer: { from: { address: 'news@acme.example', name: 'Acme' }, batchSize: 100 },
});

// Encryption at rest is on by default: createGdprMail wraps the store (issue #18).
console.log(`encryption at rest: isEncryptedStore(gdpr.store) = ${isEncryptedStore(gdpr.store)}`);

const recipients = Array.from({ length: N }, (_, i) => `r${i}@example.test`);
const body = 'Hello, this is the spring newsletter.\n'.repeat(20);
let seeded = performance.now();
for (const email of recipients) {
  await gdpr.consent.record({
    email,
    purposes: ['newsletter'],
    evidence: { action: 'affirmative', method: 'checkbox', source: 'bench' },
  });
}
seeded = performance.now() - seeded;

const raw = nodemailer.createTransport({
  pool: true,
  maxRequeues: 0,
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  ...POOL,
});

async function runRaw(list: readonly string[]): Promise<void> {
  await Promise.all(
    list.map((to, i) =>
      raw.sendMail({
        from: { address: 'news@acme.example', name: 'Acme' },
        to,
        subject: `Spring news ${i}`,
        text: body,
        headers: {
          'List-Unsubscribe': '<https://acme.example/gdpr/u/static-token>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      }),
    ),
  );
}

async function runPipeline(list: readonly string[], campaignId: string): Promise<void> {
  const report = await gdpr.mailer.sendMany(
    list.map((to, i) => ({
      to,
      purposeId: 'newsletter',
      subject: `Spring news ${i}`,
      text: body,
      campaignId,
    })),
  );
  if (report.counts.sent !== list.length)
    throw new Error(`sent ${report.counts.sent}/${list.length}`);
}

// Warm-up: connections, JIT, the store's caches.
await runRaw(recipients.slice(0, 200));
await runPipeline(recipients.slice(0, 200), 'warmup');

const timed = async (run: () => Promise<void>) => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};
// Rounds alternate which side goes first, so drift on a shared machine hits both alike;
// each pipeline round is a new campaign (the same one would be refused as already sent).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rows: { round: number; raw: number; pipeline: number }[] = [];
for (let round = 1; round <= ROUNDS; round += 1) {
  let rawMs = 0;
  let pipelineMs = 0;
  if (round % 2 === 1) {
    rawMs = await timed(() => runRaw(recipients));
    pipelineMs = await timed(() => runPipeline(recipients, `bench-${round}`));
  } else {
    pipelineMs = await timed(() => runPipeline(recipients, `bench-${round}`));
    rawMs = await timed(() => runRaw(recipients));
  }
  rows.push({ round, raw: N / (rawMs / 1000), pipeline: N / (pipelineMs / 1000) });
}
console.log(
  `send-smtp bench: ${N} messages x ${ROUNDS} rounds, pool ${JSON.stringify(POOL)}, ${{ pglite: 'PGlite (worker thread)', 'pglite-main': 'PGlite (main thread)', postgres: 'PostgreSQL' }[storeKind]} store (seeded in ${(seeded / 1000).toFixed(1)} s), node ${process.version}`,
);
console.log('| round | raw nodemailer msgs/s | gdpr-mail pipeline msgs/s | ratio |');
console.log('| ----- | --------------------: | ------------------------: | ----: |');
for (const row of rows) {
  console.log(
    `| ${row.round} | ${row.raw.toFixed(0)} | ${row.pipeline.toFixed(0)} | ${(row.pipeline / row.raw).toFixed(2)}x |`,
  );
}
const ratios = rows.map((r) => r.pipeline / r.raw).sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
console.log(`median ratio pipeline/raw: ${median.toFixed(2)}x (goal >= 0.90x)`);

await gdpr.close();
raw.close();
server.close();
rmSync(dir, { recursive: true, force: true });
if (pool) {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
