// Requests/s of a Fastify 5 route that reads the privacy signals and runs a `gdpr.canSend`
// consent check, on an app with the `@gdpr-mail/fastify` plugin registered (its routes under
// /gdpr), against the same route on bare Fastify, measured in one run on loopback: the
// structure of bench/express.ts. A third server has the plugin registered and the route
// without the SDK call, reported beside it (what registering the plugin alone costs). The
// servers run in a child process so the load generator does not share their event loop.
// Rounds alternate (bare, gdpr, plugin only, bare…) so drift hits all alike.
// Run: pnpm bench:fastify   (BENCH_SECONDS per round, default 5; BENCH_ROUNDS, default 3)
import { fork } from 'node:child_process';
import { createGdprMail, isEncryptedStore, MemoryStore } from '@gdpr-mail/core';
import { readPrivacySignals } from '@gdpr-mail/core/http';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { gdprMail } from '@gdpr-mail/fastify';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { measureRounds, reportRounds } from './http-rounds.js';

const email = 'ada@example.com';

async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return `${address}/offer`;
}

async function serve(): Promise<void> {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
  await gdpr.optIn.confirm(token);

  // All routes answer the same JSON; only the gdpr one reads the signals and asks the policy.
  const bare = Fastify();
  bare.get('/offer', (_request, reply) => {
    reply.send({ allowed: true, tracking: false });
  });
  const guarded = Fastify();
  await guarded.register(gdprMail, { gdpr });
  guarded.get('/offer', async (request) => {
    const decision = await gdpr.canSend(email, 'newsletter');
    const signals = readPrivacySignals(request.headers);
    return { allowed: decision.allowed, tracking: !(signals.gpc || signals.dnt) };
  });
  const pluginOnly = Fastify();
  await pluginOnly.register(gdprMail, { gdpr });
  pluginOnly.get('/offer', (_request, reply) => {
    reply.send({ allowed: true, tracking: false });
  });
  const urls = {
    bare: await listen(bare),
    gdpr: await listen(guarded),
    pluginOnly: await listen(pluginOnly),
  };
  // The plugin really serves its routes on the measured app (a 200 page, not a 404).
  const signup = await fetch(urls.gdpr.replace('/offer', '/gdpr/signup'));
  // Encryption at rest is on by default: createGdprMail wraps the store (issue #18).
  process.send?.({ ...urls, signup: signup.status, encrypted: isEncryptedStore(gdpr.store) });
  process.once('disconnect', () => {
    void Promise.all([bare.close(), guarded.close(), pluginOnly.close()]).then(() => gdpr.close());
  });
}

if (process.argv[2] === 'serve') {
  await serve();
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], {
    execArgv: ['--import', 'tsx'],
  });
  type Urls = {
    bare: string;
    gdpr: string;
    pluginOnly: string;
    signup: number;
    encrypted: boolean;
  };
  const urls = await new Promise<Urls>((resolve) =>
    child.once('message', (m) => resolve(m as Urls)),
  );
  console.log(`encryption at rest: isEncryptedStore(gdpr.store) = ${urls.encrypted}`);
  console.log(`plugin mounted: GET /gdpr/signup -> ${urls.signup}`);
  const rows = await measureRounds({ bare: urls.bare, gdpr: urls.gdpr, variant: urls.pluginOnly });
  child.disconnect();
  reportRounds(rows, {
    bare: 'bare Fastify req/s',
    gdpr: 'plugin + signals + canSend req/s',
    variant: 'plugin only req/s',
    variantSummary: 'plugin only',
  });
}
