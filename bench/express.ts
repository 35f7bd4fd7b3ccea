// Requests/s of an Express route that runs `privacySignals()` and a `gdpr.canSend`
// consent check, against the same route on bare Express, measured in one run on
// loopback. The servers run in a child process so the load generator does not share
// their event loop. Rounds alternate (bare, gdpr, bare, gdpr…) so drift hits both alike.
// Run: pnpm bench:express   (BENCH_SECONDS per round, default 5; BENCH_ROUNDS, default 3)
import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprMail, isEncryptedStore, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { privacySignals } from '@gdpr-mail/express';
import autocannon from 'autocannon';
import express from 'express';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const email = 'ada@example.com';

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/offer` };
}

async function serve(): Promise<void> {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
  await gdpr.optIn.confirm(token);

  // Both routes answer the same JSON; only the gdpr one reads the signals and asks the policy.
  const bare = express();
  bare.get('/offer', (_req, res) => {
    res.json({ allowed: true, tracking: false });
  });
  const guarded = express();
  guarded.use(privacySignals());
  guarded.get('/offer', async (req, res) => {
    const decision = await gdpr.canSend(email, 'newsletter');
    const signals = req.privacySignals;
    res.json({ allowed: decision.allowed, tracking: !(signals?.gpc || signals?.dnt) });
  });
  const a = await listen(bare);
  const b = await listen(guarded);
  // Encryption at rest is on by default: createGdprMail wraps the store (issue #18).
  process.send?.({ bare: a.url, gdpr: b.url, encrypted: isEncryptedStore(gdpr.store) });
  process.once('disconnect', () => {
    a.server.close();
    b.server.close();
    void gdpr.close();
  });
}

async function measure(url: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    headers: { 'sec-gpc': '1', accept: 'application/json' },
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`failures against ${url}`);
  return result.requests.average;
}

if (process.argv[2] === 'serve') {
  await serve();
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], {
    execArgv: ['--import', 'tsx'],
  });
  const urls = await new Promise<{ bare: string; gdpr: string; encrypted: boolean }>((resolve) =>
    child.once('message', (m) => resolve(m as { bare: string; gdpr: string; encrypted: boolean })),
  );
  console.log(`encryption at rest: isEncryptedStore(gdpr.store) = ${urls.encrypted}`);
  // One short warm-up each, unrecorded: the JIT and the connection pools settle.
  await autocannon({ url: urls.bare, connections: 50, duration: 1 });
  await autocannon({ url: urls.gdpr, connections: 50, duration: 1 });

  const rows: Array<{ round: number; bare: number; gdpr: number }> = [];
  for (let round = 1; round <= rounds; round += 1) {
    rows.push({ round, bare: await measure(urls.bare), gdpr: await measure(urls.gdpr) });
  }
  child.disconnect();
  report(rows);
}

function report(rows: Array<{ round: number; bare: number; gdpr: number }>): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `Node ${process.version}, ${process.platform} ${process.arch}, ${seconds}s x ${rounds}`,
  );
  console.log('| round | bare Express req/s | privacySignals + canSend req/s | ratio |');
  console.log('| ----- | -----------------: | -----------------------------: | ----: |');
  for (const row of rows) {
    console.log(
      `| ${row.round} | ${fmt(row.bare)} | ${fmt(row.gdpr)} | ${(row.gdpr / row.bare).toFixed(2)}x |`,
    );
  }
  const total = (key: 'bare' | 'gdpr') => rows.reduce((sum, row) => sum + row[key], 0);
  console.log(`overall ratio: ${(total('gdpr') / total('bare')).toFixed(2)}x (goal >= 0.9x)`);
}
