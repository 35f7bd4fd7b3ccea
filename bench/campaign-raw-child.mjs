// One raw nodemailer process of bench/campaign-bullmq.ts: a pool of CONNS
// connections sending `${prefix}${i}@example.test` for i in [from, to] to the
// sink, with the same message as the campaign: its content (render in
// campaign-worker-child.ts) and what any marketing mail must carry, which the SDK adds,
// here by hand: a signed one-click link in List-Unsubscribe and a footer with it and a
// preference link, tokens of the SDK's length signed with raw HMAC. The footer's long
// lines make nodemailer quoted-printable-encode the text, as it does the campaign's.
// Says { ready } once loaded, starts on 'go'; reports { sent, peakRss, cpuMs } when done
// (CPU time from 'go').
import { createHmac, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startHeapSampling } from './heap-sampling.mjs';

const [port, from, to, conns, prefix] = process.argv.slice(2);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
const transport = nodemailer.createTransport({
  pool: true,
  maxRequeues: 0,
  host: '127.0.0.1',
  port: Number(port),
  secure: false,
  ignoreTLS: true,
  maxConnections: Number(conns),
  maxMessages: 1000,
});
const body = (email) => `Hello ${email}, here is what is new this spring.\n`.repeat(10);
const key = 'bench-token-key-0123456789abcdefghijklmnop';
const expires = Math.floor(Date.now() / 1000) + 2 * 365 * 86400;
// The shape of the SDK's tokens: key id, kind, subject id, purpose, expiry, signature.
const sign = (payload) =>
  `k1.1~${payload}~${createHmac('sha256', key).update(payload).digest('base64url')}`;
function links() {
  const subject = randomUUID();
  return {
    unsubscribe: `https://acme.example/gdpr/u/${sign(`u~${subject}~newsletter~~${expires}~0`)}`,
    preferences: `https://acme.example/gdpr/preferences/${sign(`p~${subject}~_~~${expires}~${expires + 31536000}`)}`,
  };
}
// A window of messages in flight, not the whole list at once: what a real sender does.
const WINDOW = Number(conns) * 50;
// Started before the clock: the parent says go once every process is up.
await new Promise((resolve) => {
  process.once('message', resolve);
  process.send?.({ ready: true });
});
// HEAP_PROF=<dir>: allocations sampled from 'go' on.
const stopHeapSampling = await startHeapSampling('raw');
const cpuAtGo = process.cpuUsage();
let next = Number(from);
let sent = 0;
const last = Number(to);
await Promise.all(
  Array.from({ length: WINDOW }, async () => {
    while (next <= last) {
      const to = `${prefix}${next++}@example.test`;
      const { unsubscribe, preferences } = links();
      await transport.sendMail({
        from: { address: 'news@acme.example', name: 'Acme' },
        to,
        subject: 'Our spring selection',
        text: `${body(to)}\n\n--\nUnsubscribe: ${unsubscribe}\nManage your email preferences: ${preferences}\n`,
        headers: {
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
      sent += 1;
    }
  }),
);
clearInterval(sampler);
await stopHeapSampling();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
transport.close();
const cpu = process.cpuUsage(cpuAtGo);
process.send?.({ sent, peakRss, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
