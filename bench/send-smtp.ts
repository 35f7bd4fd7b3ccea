// The full send pipeline (policy + suppression + unsubscribe headers + claims +
// audit, on the embedded PGlite store) vs a raw nodemailer pool, to the same
// local smtp-server, in the same run. Usage: pnpm bench:send-smtp (BENCH_N=10000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGdprMail } from '@gdpr-mail/core';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import nodemailer from 'nodemailer';
import { benchConfig, startSinkSmtpServer } from './fixtures.js';

const N = Number(process.env.BENCH_N ?? 10_000);
const POOL = { maxConnections: 5, maxMessages: 100 };

const { server, port } = await startSinkSmtpServer();

const dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-bench-send-'));
const store = await createPgliteStore({ dataDir: dir });
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
const rawMs = await timed(() => runRaw(recipients));
const pipelineMs = await timed(() => runPipeline(recipients, 'bench'));
const rawRate = N / (rawMs / 1000);
const pipelineRate = N / (pipelineMs / 1000);
console.log(
  `send-smtp bench: ${N} messages, pool ${JSON.stringify(POOL)}, PGlite store (seeded in ${(seeded / 1000).toFixed(1)} s)`,
);
console.log(`  raw nodemailer pool        ${rawRate.toFixed(0)} msgs/s`);
console.log(`  gdpr-mail full pipeline    ${pipelineRate.toFixed(0)} msgs/s`);
console.log(`  ratio pipeline/raw         ${(pipelineRate / rawRate).toFixed(2)}x (goal >= 0.90x)`);

await gdpr.close();
raw.close();
server.close();
rmSync(dir, { recursive: true, force: true });
