// Requests/s of an Express route that reads the privacy signals and runs a `gdpr.canSend`
// consent check, against the same route on bare Express, measured in one run on
// loopback. The gdpr route reads the signals through `installPrivacySignals(app)` (what
// docs/express.md recommends); a third server does the same through the `privacySignals()`
// middleware, reported beside it. The servers run in a child process so the load generator
// does not share their event loop. Rounds alternate (bare, gdpr, middleware, bare…) so
// drift hits all alike.
// Run: pnpm bench:express   (BENCH_SECONDS per round, default 5; BENCH_ROUNDS, default 3)
import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGdprMail, isEncryptedStore, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { installPrivacySignals, privacySignals } from '@gdpr-mail/express';
import express from 'express';
import { measureRounds, reportRounds } from './http-rounds.js';

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
  const offer: express.RequestHandler = async (req, res) => {
    const decision = await gdpr.canSend(email, 'newsletter');
    const signals = req.privacySignals;
    res.json({ allowed: decision.allowed, tracking: !(signals?.gpc || signals?.dnt) });
  };
  const guarded = express();
  installPrivacySignals(guarded);
  guarded.get('/offer', offer);
  const layered = express();
  layered.use(privacySignals());
  layered.get('/offer', offer);
  const a = await listen(bare);
  const b = await listen(guarded);
  const c = await listen(layered);
  // Encryption at rest is on by default: createGdprMail wraps the store (issue #18).
  process.send?.({
    bare: a.url,
    gdpr: b.url,
    middleware: c.url,
    encrypted: isEncryptedStore(gdpr.store),
  });
  process.once('disconnect', () => {
    a.server.close();
    b.server.close();
    c.server.close();
    void gdpr.close();
  });
}

if (process.argv[2] === 'serve') {
  await serve();
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], {
    execArgv: ['--import', 'tsx'],
  });
  type Urls = { bare: string; gdpr: string; middleware: string; encrypted: boolean };
  const urls = await new Promise<Urls>((resolve) =>
    child.once('message', (m) => resolve(m as Urls)),
  );
  console.log(`encryption at rest: isEncryptedStore(gdpr.store) = ${urls.encrypted}`);
  const rows = await measureRounds({ bare: urls.bare, gdpr: urls.gdpr, variant: urls.middleware });
  child.disconnect();
  reportRounds(rows, {
    bare: 'bare Express req/s',
    gdpr: 'installPrivacySignals + canSend req/s',
    variant: 'privacySignals() middleware + canSend req/s',
    variantSummary: 'with the middleware',
  });
}
