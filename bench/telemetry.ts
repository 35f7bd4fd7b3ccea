// The cost of the OpenTelemetry hooks on `gdpr.canSend` when `@opentelemetry/api` is installed
// but no SDK is registered (the common production case before tracing is set up): the same
// consent check, in one process, on two GdprMail instances, one built with `telemetry: false`
// (nothing wrapped) and one with the default (store and facade wrapped, each call testing
// whether an SDK is there). Rounds alternate so drift hits both alike. Goal: < 2% slower.
// Run: pnpm bench:telemetry   (CALLS per round, default 200000; ROUNDS, default 9)
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';

const CALLS = Number(process.env.CALLS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const email = 'ada@example.com';

async function instance(telemetry: boolean) {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore(), telemetry }));
  const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
  await gdpr.optIn.confirm(token);
  return gdpr;
}

const off = await instance(false);
const on = await instance(true);

// CPU time of this process, not wall time: on a shared machine other processes' load
// stretches wall time unevenly between rounds.
async function round(gdpr: typeof off): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i += 1) {
    const decision = await gdpr.canSend(email, 'newsletter');
    if (!decision.allowed) throw new Error('the subscriber must be allowed');
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / CALLS;
}

// Warm-up: both paths compiled before anything is timed.
await round(off);
await round(on);
const rows: Array<{ off: number; on: number }> = [];
for (let i = 0; i < ROUNDS; i += 1) {
  // Which goes first alternates too: the second of a pair runs on a warmer cache.
  if (i % 2 === 0) rows.push({ off: await round(off), on: await round(on) });
  else rows.push({ on: await round(on), off: await round(off) });
}
await off.close();
await on.close();

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`Node ${process.version}, ${CALLS} canSend calls per round, ${ROUNDS} rounds`);
console.log(
  '| round | telemetry: false (CPU ns/call) | API installed, no SDK (CPU ns/call) | overhead |',
);
console.log('| ----- | ---: | ---: | ---: |');
for (const [i, row] of rows.entries()) {
  console.log(
    `| ${i + 1} | ${row.off.toFixed(0)} | ${row.on.toFixed(0)} | ${((row.on / row.off - 1) * 100).toFixed(1)}% |`,
  );
}
const overhead = median(rows.map((r) => r.on / r.off - 1)) * 100;
console.log(`median overhead: ${overhead.toFixed(1)}% (goal < 2%)`);
