import type { CampaignMember, Transport } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport, MemoryStore } from '@gdpr-mail/core';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createGdprQueue, createGdprWorker } from '../src/index.js';
import { campaignConfig, REDIS } from './fixtures/campaign-config.js';
import { freshName, redisGate } from './helpers.js';

// REQ-25, REQ-34 ("erasure leaves no readable trace"): BullMQ keeps a failed job's error message
// and stack in Redis (failedReason, stacktrace, the events stream) for
// `keepFinishedForSeconds`, where an erasure cannot reach. An app's `render` or a
// transport that throws with the recipient in its text must leave nothing of them there.

const redis = await redisGate();
const connection = { ...REDIS, maxRetriesPerRequest: null };
const evidence = { action: 'affirmative', method: 'checkbox', source: 'redis-trace' } as const;
const client = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 });
const queues: string[] = [];

afterAll(async () => {
  if (!redis.available) return;
  for (const name of queues) {
    const keys = await client.keys(`bull:${name}:*`);
    if (keys.length > 0) await client.del(...keys);
  }
  client.disconnect();
});

/** Every key of the queue: its name, its raw value (DUMP) and its value read by type. */
async function redisText(queueName: string): Promise<string> {
  if (client.status === 'wait') await client.connect();
  const keys = await client.keys(`bull:${queueName}:*`);
  const parts: string[] = [keys.join('\n')];
  for (const key of keys) {
    parts.push(((await client.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('latin1'));
    const type = await client.type(key);
    if (type === 'string') parts.push((await client.get(key)) ?? '');
    if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
    if (type === 'list') parts.push((await client.lrange(key, 0, -1)).join('\n'));
    if (type === 'set') parts.push((await client.smembers(key)).join('\n'));
    if (type === 'zset') parts.push((await client.zrange(key, 0, -1)).join('\n'));
    if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
  }
  return parts.join('\n');
}

function forms(value: string): string[] {
  const out = new Set<string>();
  for (const v of [value, value.toLowerCase(), value.toUpperCase()]) {
    out.add(v);
    out.add(encodeURIComponent(v));
    out.add(Buffer.from(v).toString('hex'));
    out.add(Buffer.from(v).toString('base64').slice(0, -4));
  }
  return [...out];
}

async function failedCampaign(options: {
  render?: (member: CampaignMember) => never;
  transport?: Transport;
}) {
  const store = new MemoryStore();
  const gdpr = createGdprMail(campaignConfig(store, options.transport ?? new InMemoryTransport()));
  const email = `Trace.${freshName('x')}@Example.test`;
  const name = `Renata Tracewell ${freshName('n')}`;
  await gdpr.consent.record({ email, purposes: ['newsletter'], evidence });
  await gdpr.subjects.upsert(email, { name });
  const queueName = freshName('gm-trace');
  queues.push(queueName);
  const queue = createGdprQueue({
    connection,
    gdpr,
    queueName,
    attempts: 2,
    backoff: { type: 'fixed', delay: 10 },
  });
  const worker = createGdprWorker({
    connection,
    gdpr,
    queueName,
    render: options.render ?? ((member) => ({ subject: 'News', text: `Hello ${member.email}` })),
  });
  const causes: unknown[] = [];
  worker.worker.on('failed', (_job, error) => causes.push(error.cause));
  let report: Awaited<ReturnType<typeof queue.waitForCampaign>>;
  try {
    await queue.enqueueCampaign({ id: 'trace', purposeId: 'newsletter' });
    report = await queue.waitForCampaign('trace', { timeoutMs: 20_000, pollMs: 50 });
  } finally {
    await worker.close();
    await queue.close();
  }
  expect(await gdpr.subjects.delete(email, { actor: 'test' })).toBe(true);
  await gdpr.close();
  return { email, name, causes, report, text: await redisText(queueName) };
}

function expectNoTrace(text: string, ...values: string[]) {
  for (const value of values) {
    for (const form of forms(value)) expect(text).not.toContain(form);
  }
}

redis.describe('erased people leave no trace in Redis (REQ-25, REQ-34)', () => {
  it("a render that fails naming the member: the failed chunk's reason, stack and events keep neither address nor name", async () => {
    const { email, name, causes, report, text } = await failedCampaign({
      render: (member) => {
        throw new TypeError(`no template for ${String(member.profile.name)} <${member.email}>`);
      },
    });
    expect(report.failedChunks).toBe(1);
    // The failed chunk is there, with the kind of error that ended it.
    expect(text).toContain('TypeError in a gdpr-mail job');
    expectNoTrace(text, email, email.split('@')[0]!, name);
    // The app still sees its own error in this process, on `cause`.
    expect(String((causes[0] as Error).message)).toContain(name);
  }, 30_000);

  it('a transport that throws with the provider text quoting the recipient: a failed send, nothing of them in Redis', async () => {
    const inner = new InMemoryTransport();
    const transport: Transport = {
      name: 'quoting',
      capabilities: inner.capabilities,
      processor: inner.processor,
      send: (message) => inner.send(message),
      async sendBatch(messages) {
        const to = messages.map((m) => (typeof m.to === 'string' ? m.to : m.to.address));
        throw Object.assign(new Error(`550 5.1.1 <${to.join(', ')}>: Recipient address rejected`), {
          code: 'EENVELOPE',
        });
      },
    };
    const { email, name, report, text } = await failedCampaign({ transport });
    // The throw fails the chunk's first attempt (its stack stays on the job); the retry
    // finds the message in flight (its outcome unknown) and ends the chunk.
    expect(report).toMatchObject({ scanned: 1, sent: 0, inFlight: 1, failedChunks: 0 });
    expect(text).toContain('Error (EENVELOPE) in a gdpr-mail job');
    expectNoTrace(text, email, email.split('@')[0]!, name);
  }, 30_000);
});
