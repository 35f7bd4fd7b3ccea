// SMTP transport vs raw nodemailer, same pool settings, same local smtp-server,
// same run. Usage: pnpm bench:smtp   (BENCH_N=5000 BENCH_ROUNDS=5 to change)
import { performance } from 'node:perf_hooks';
import type { OutgoingMessage } from '@gdpr-mail/core';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import nodemailer from 'nodemailer';
import { startSinkSmtpServer } from './fixtures.js';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const POOL = { maxConnections: 5, maxMessages: 100 };

const { server, port } = await startSinkSmtpServer();

const headers = {
  'List-Unsubscribe': '<https://shop.example/u/token-0123456789abcdef>',
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
};
const messages: OutgoingMessage[] = Array.from({ length: N }, (_, i) => ({
  from: { address: 'news@shop.example', name: 'Shop' },
  to: `r${i}@example.test`,
  subject: `Bench ${i}`,
  text: 'Hello, this is the spring newsletter.\n'.repeat(20),
  headers,
}));

const ours = createSmtpTransport({
  host: '127.0.0.1',
  port,
  ignoreTLS: true,
  ...POOL,
  processor: { name: 'bench relay', role: 'email delivery', country: 'FR' },
});
const raw = nodemailer.createTransport({
  pool: true,
  maxRequeues: 0,
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  ...POOL,
});

async function runOurs(batch: readonly OutgoingMessage[]): Promise<void> {
  const results = await ours.sendBatch(batch);
  const bad = results.filter((r) => r.status !== 'accepted').length;
  if (bad > 0) throw new Error(`${bad} messages not accepted`);
}

async function runRaw(batch: readonly OutgoingMessage[]): Promise<void> {
  await Promise.all(
    batch.map((m) =>
      raw.sendMail({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        headers: m.headers,
      }),
    ),
  );
}

async function rate(run: (batch: readonly OutgoingMessage[]) => Promise<void>): Promise<number> {
  const start = performance.now();
  await run(messages);
  return N / ((performance.now() - start) / 1000);
}

// Warm both pools up (connections, JIT) before measuring.
await runOurs(messages.slice(0, 200));
await runRaw(messages.slice(0, 200));

const oursRates: number[] = [];
const rawRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first so neither always gets the warmer machine.
  if (round % 2 === 0) {
    rawRates.push(await rate(runRaw));
    oursRates.push(await rate(runOurs));
  } else {
    oursRates.push(await rate(runOurs));
    rawRates.push(await rate(runRaw));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const oursMedian = median(oursRates);
const rawMedian = median(rawRates);
console.log(`SMTP bench: ${N} messages x ${ROUNDS} rounds, pool ${JSON.stringify(POOL)}`);
console.log(`  raw nodemailer pool      ${rawMedian.toFixed(0)} msgs/s (median)`);
console.log(`  @gdpr-mail/smtp          ${oursMedian.toFixed(0)} msgs/s (median)`);
console.log(`  ratio ours/raw           ${(oursMedian / rawMedian).toFixed(2)}x`);

await ours.close?.();
raw.close();
server.close();
