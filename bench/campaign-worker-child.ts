// One worker process of bench/campaign-bullmq.ts: the PostgreSQL store (schema
// migrated by the parent), an SMTP transport with CONNS pooled connections to the
// sink, one @gdpr-mail/bullmq worker. Samples its RSS every 200 ms and counts the
// SQL statements its pg clients run (BEGIN and COMMIT included); prints "ready",
// and on SIGTERM closes gracefully and reports { peakRss, cpuMs, statements } over
// IPC (CPU time and statements counted from "ready").

import { createGdprWorker } from '@gdpr-mail/bullmq';
import { createGdprMail } from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import pg from 'pg';
import { benchConfig } from './fixtures.js';
import { startHeapSampling } from './heap-sampling.mjs';

const [schema, queueName, smtpPort, conns, redisUrl, databaseUrl] = process.argv.slice(2);
let peakRss = process.memoryUsage().rss;
let samples = 0;
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  peakRss = Math.max(peakRss, memory.rss);
  // MEMORY_LOG=1: where the RSS is, every 10 s (V8 heap, external, array buffers).
  if (process.env.MEMORY_LOG && ++samples % 50 === 0) {
    const mb = (n: number) => (n / 1048576).toFixed(0);
    process.stdout.write(
      `worker ${process.pid} rss ${mb(memory.rss)} heapUsed ${mb(memory.heapUsed)} heapTotal ${mb(memory.heapTotal)} external ${mb(memory.external)} arrayBuffers ${mb(memory.arrayBuffers)} MB\n`,
    );
  }
}, 200);
let statements = 0;
const query = pg.Client.prototype.query;
// Every statement the store runs goes through a pooled client's query().
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
const pool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
pool.on('error', () => {});
const store = await createPostgresStore({ pool, schema: schema!, migrate: false });
const gdpr = createGdprMail({
  ...benchConfig(),
  store,
  transport: createSmtpTransport({
    host: '127.0.0.1',
    port: Number(smtpPort),
    ignoreTLS: true,
    maxConnections: Number(conns),
    maxMessages: 1000,
    processor: { name: 'bench relay', role: 'email delivery', country: 'FR' },
  }),
  mailer: {
    from: { address: 'news@acme.example', name: 'Acme' },
    batchSize: Number(process.env.MAILER_BATCH ?? 100),
    inFlightBatches: Number(process.env.MAILER_IN_FLIGHT ?? 2),
  },
});
const url = new URL(redisUrl!);
const worker = createGdprWorker({
  connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
  gdpr,
  queueName: queueName!,
  concurrency: Number(process.env.JOB_CONCURRENCY ?? 2),
  render: (member) => ({
    subject: 'Our spring selection',
    text: `Hello ${member.email}, here is what is new this spring.\n`.repeat(10),
  }),
  onError: (error) => process.stderr.write(`worker error: ${error.message}\n`),
});
await worker.worker.waitUntilReady();
statements = 0;
// HEAP_PROF=<dir>: allocations sampled from "ready" on, written on exit.
const stopHeapSampling = await startHeapSampling('worker');
const cpuAtReady = process.cpuUsage();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await stopHeapSampling();
    await worker.close();
    await gdpr.close();
    await pool.end();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const cpu = process.cpuUsage(cpuAtReady);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.send?.({ peakRss, cpuMs, statements }, () => process.exit(0));
  })();
});
