// The Mailjet driver (Send API v3.1, batches of 50 over its keep-alive undici Pool)
// vs one global fetch() call per message, to the same Mailjet-like server in a
// child process, in the same run, with the same number of calls in flight.
// Usage: pnpm bench:send-http (BENCH_N=10000 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3)
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { OutgoingMessage } from '@gdpr-mail/core';
import { createMailjetTransport } from '@gdpr-mail/mailjet';

const N = Number(process.env.BENCH_N ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const child = fork(new URL('./mailjet-sink-child.mjs', import.meta.url));
const port = await new Promise<number>((resolve) =>
  child.once('message', (m: { port: number }) => resolve(m.port)),
);
const baseUrl = `http://127.0.0.1:${port}`;
const authorization = `Basic ${Buffer.from('bench-key:bench-secret').toString('base64')}`;

const text = 'Hello, this is the spring newsletter.\n'.repeat(20);
const html = `<p>${'Hello, this is the spring newsletter. '.repeat(20)}</p>`;
function messages(count: number, round: string): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    from: { address: 'news@acme.example', name: 'Acme' },
    to: `r${i}@example.test`,
    subject: `Spring news ${round} ${i}`,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<https://acme.example/gdpr/u/token-${i}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    idempotencyKey: `campaign:${round}:newsletter:${i}`,
  }));
}

const transport = createMailjetTransport({
  apiKey: 'bench-key',
  apiSecret: 'bench-secret',
  baseUrl,
  connections: CONCURRENCY,
});

async function runDriver(list: readonly OutgoingMessage[]): Promise<void> {
  const results = await transport.sendBatch(list);
  const accepted = results.filter((r) => r.status === 'accepted').length;
  if (accepted !== list.length) throw new Error(`driver: ${accepted}/${list.length} accepted`);
}

// The same Mailjet v3.1 entry a hand-written integration would post, one per call.
async function runFetch(list: readonly OutgoingMessage[]): Promise<void> {
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    for (let i = next++; i < list.length; i = next++) {
      const m = list[i] as OutgoingMessage;
      const response = await fetch(`${baseUrl}/v3.1/send`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          Messages: [
            {
              From: { Email: 'news@acme.example', Name: 'Acme' },
              To: [{ Email: m.to as string }],
              Subject: m.subject,
              TextPart: m.text,
              HTMLPart: m.html,
              Headers: m.headers,
              CustomID: m.idempotencyKey,
            },
          ],
        }),
      });
      const body = (await response.json()) as { Messages?: { Status: string }[] };
      if (body.Messages?.[0]?.Status === 'success') accepted += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (accepted !== list.length) throw new Error(`fetch: ${accepted}/${list.length} accepted`);
}

const timed = async (run: () => Promise<void>) => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};

// Warm-up: connections, JIT.
await runDriver(messages(500, 'warm'));
await runFetch(messages(500, 'warm'));

console.log(
  `send-http bench: ${N} messages per run, ${CONCURRENCY} calls in flight, Mailjet-like server in a child process (${process.version})`,
);
let driverTotal = 0;
let fetchTotal = 0;
for (let round = 1; round <= ROUNDS; round++) {
  const fetchMs = await timed(() => runFetch(messages(N, `f${round}`)));
  const driverMs = await timed(() => runDriver(messages(N, `d${round}`)));
  fetchTotal += fetchMs;
  driverTotal += driverMs;
  console.log(
    `  round ${round}: fetch per message ${(N / (fetchMs / 1000)).toFixed(0)} msgs/s (${fetchMs.toFixed(0)} ms), driver ${(N / (driverMs / 1000)).toFixed(0)} msgs/s (${driverMs.toFixed(0)} ms), ratio ${(fetchMs / driverMs).toFixed(2)}x`,
  );
}
const received = await new Promise<number>((resolve) => {
  child.once('message', (m: { received: number }) => resolve(m.received));
  child.send('count');
});
console.log(`  server received ${received} messages (expected ${2 * (500 + N * ROUNDS)})`);
console.log(`  overall ratio driver/fetch ${(fetchTotal / driverTotal).toFixed(2)}x (goal >= 5x)`);

await transport.close();
child.send('stop');
