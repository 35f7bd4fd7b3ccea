// The Brevo driver (POST /v3/smtp/email, messageVersions over its keep-alive
// undici Pool) vs one global fetch() call per message, to the same Brevo-like
// server in a child process, in the same run, with the same calls in flight.
// Two workloads:
// - shared envelope: messages that share sender, headers and tags (receipts,
//   notices) go 100 to a call as messageVersions; the goal is >= 5x.
// - per-recipient headers: a List-Unsubscribe token and a Message-Id of their
//   own; Brevo takes headers per call, so the driver sends one per call too
//   and only the pool and the lighter client separate it from fetch.
// Usage: pnpm bench:send-brevo (BENCH_N=10000 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3)
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createBrevoTransport } from '@gdpr-mail/brevo';
import type { OutgoingMessage } from '@gdpr-mail/core';

const N = Number(process.env.BENCH_N ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const child = fork(new URL('./brevo-sink-child.mjs', import.meta.url));
const port = await new Promise<number>((resolve) =>
  child.once('message', (m: { port: number }) => resolve(m.port)),
);
const baseUrl = `http://127.0.0.1:${port}`;

const text = 'Hello, here is your receipt.\n'.repeat(20);
const html = `<p>${'Hello, here is your receipt. '.repeat(20)}</p>`;
function messages(count: number, round: string, perRecipient: boolean): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    from: { address: 'shop@acme.example', name: 'Acme' },
    to: `r${i}@example.test`,
    subject: `Receipt ${round} ${i}`,
    text,
    html,
    tags: ['receipt'],
    ...(perRecipient
      ? {
          headers: {
            'List-Unsubscribe': `<https://acme.example/gdpr/u/token-${round}-${i}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
          messageId: `<${round}-${i}@acme.example>`,
        }
      : {}),
  }));
}

const transport = createBrevoTransport({
  apiKey: 'bench-key',
  baseUrl,
  connections: CONCURRENCY,
  // The shared-envelope messages carry no Message-Id; the others keep theirs.
});

async function runDriver(list: readonly OutgoingMessage[]): Promise<void> {
  const results = await transport.sendBatch(list);
  const accepted = results.filter((r) => r.status === 'accepted').length;
  if (accepted !== list.length) throw new Error(`driver: ${accepted}/${list.length} accepted`);
}

// The body a hand-written integration would post, one message per call.
async function runFetch(list: readonly OutgoingMessage[]): Promise<void> {
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    for (let i = next++; i < list.length; i = next++) {
      const m = list[i] as OutgoingMessage;
      const headers = { ...m.headers, ...(m.messageId ? { 'Message-Id': m.messageId } : {}) };
      const response = await fetch(`${baseUrl}/v3/smtp/email`, {
        method: 'POST',
        headers: {
          'api-key': 'bench-key',
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({
          sender: { email: 'shop@acme.example', name: 'Acme' },
          to: [{ email: m.to as string }],
          subject: m.subject,
          textContent: m.text,
          htmlContent: m.html,
          tags: m.tags,
          ...(Object.keys(headers).length > 0 ? { headers } : {}),
        }),
      });
      const body = (await response.json()) as { messageId?: string };
      if (response.status === 201 && body.messageId) accepted += 1;
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
for (const perRecipient of [false, true]) {
  await runDriver(messages(500, 'warm', perRecipient));
  await runFetch(messages(500, 'warm', perRecipient));
}

console.log(
  `send-brevo bench: ${N} messages per run, ${CONCURRENCY} calls in flight, Brevo-like server in a child process (${process.version})`,
);
const overall: string[] = [];
for (const perRecipient of [false, true]) {
  const label = perRecipient ? 'per-recipient headers' : 'shared envelope';
  let driverTotal = 0;
  let fetchTotal = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = `${perRecipient ? 'p' : 's'}${round}`;
    const fetchMs = await timed(() => runFetch(messages(N, `f${tag}`, perRecipient)));
    const driverMs = await timed(() => runDriver(messages(N, `d${tag}`, perRecipient)));
    fetchTotal += fetchMs;
    driverTotal += driverMs;
    console.log(
      `  ${label}, round ${round}: fetch per message ${(N / (fetchMs / 1000)).toFixed(0)} msgs/s (${fetchMs.toFixed(0)} ms), driver ${(N / (driverMs / 1000)).toFixed(0)} msgs/s (${driverMs.toFixed(0)} ms), ratio ${(fetchMs / driverMs).toFixed(2)}x`,
    );
  }
  overall.push(`${label} ${(fetchTotal / driverTotal).toFixed(2)}x`);
}
const counts = await new Promise<{ received: number; calls: number }>((resolve) => {
  child.once('message', (m: { received: number; calls: number }) => resolve(m));
  child.send('count');
});
console.log(
  `  server received ${counts.received} messages in ${counts.calls} calls (expected ${2 * 2 * (500 + N * ROUNDS)} messages)`,
);
console.log(
  `  overall ratio driver/fetch: ${overall.join(', ')} (goal >= 5x for the shared envelope)`,
);

await transport.close();
child.send('stop');
