// One raw nodemailer process of bench/campaign-bullmq.ts: a pool of CONNS
// connections sending `${prefix}${i}@example.test` for i in [from, to] to the
// sink, with the same content as the campaign (render in campaign-worker-child.ts).
// Says { ready } once loaded, starts on 'go'; reports { sent, peakRss, cpuMs } when done
// (CPU time from 'go').
import nodemailer from 'nodemailer';

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
// A window of messages in flight, not the whole list at once: what a real sender does.
const WINDOW = Number(conns) * 50;
// Started before the clock: the parent says go once every process is up.
await new Promise((resolve) => {
  process.once('message', resolve);
  process.send?.({ ready: true });
});
const cpuAtGo = process.cpuUsage();
let next = Number(from);
let sent = 0;
const last = Number(to);
await Promise.all(
  Array.from({ length: WINDOW }, async () => {
    while (next <= last) {
      const to = `${prefix}${next++}@example.test`;
      await transport.sendMail({
        from: { address: 'news@acme.example', name: 'Acme' },
        to,
        subject: 'Our spring selection',
        text: body(to),
        headers: {
          'List-Unsubscribe': '<https://acme.example/gdpr/u/static-token>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
      sent += 1;
    }
  }),
);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
transport.close();
const cpu = process.cpuUsage(cpuAtGo);
process.send?.({ sent, peakRss, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
