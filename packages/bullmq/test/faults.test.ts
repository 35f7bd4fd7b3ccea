import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type CampaignReport, createGdprMail, type DeliveryLookupResult } from '@gdpr-mail/core';
import { requireService } from '@gdpr-mail/core/testing';
import { createPostgresStore, type PostgresStore } from '@gdpr-mail/postgres';
import { createSmtpTransport } from '@gdpr-mail/smtp';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGdprQueue } from '../src/index.js';
import { campaignConfig, renderNews } from './fixtures/campaign-config.js';
import {
  type CountingSmtp,
  freshName,
  type SeededAudience,
  seedAudience,
  startCountingSmtp,
  startWorkerProcess,
  until,
  type Worker,
} from './helpers.js';

// Issue #22 acceptance (faults): a campaign of 540 candidates (500 consenting, 20
// suppressed, 20 restricted; 20 more withdrew) over 2 worker processes, 5 runs, each
// with every fault: the SMTP sink cuts 1% of connections mid-DATA throughout, Redis is
// restarted once (empty: a throwaway server without persistence, so the queue is lost
// and the campaign is enqueued again under the same id) and PostgreSQL is restarted
// once (a cluster of the test's own on another port). Once the campaign settles
// (sends whose outcome the faults left unknown are settled from the relay's log by the
// next run, as docs/scaling.md says), every consenting person received exactly one
// message at the sink and nobody refused received any. Never touches the machine's
// Redis on 6379 or PostgreSQL cluster on 5432.
const RUNS = 5;
const WORKERS = 2;
const SIZES = { consenting: 500, suppressed: 20, restricted: 20, withdrawn: 20 };
const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let pgVersion = '';
const gate = await requireService(
  'redis-server and pg_createcluster (Debian postgresql-common) run as root',
  async () => {
    await run('redis-server', ['--version']);
    // The installed major version: the machine's own cluster's (first line, first column).
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    pgVersion = stdout.trim().split(/\s+/)[0] ?? '';
    if (!/^\d+$/.test(pgVersion)) throw new Error('no PostgreSQL cluster found by pg_lsclusters');
    if (process.getuid?.() !== 0) throw new Error('pg_createcluster needs root');
  },
);

/** A redis-server of the test's own, without persistence: a restart empties it. */
class ThrowawayRedis {
  private child: ChildProcess | undefined;
  port = 0;
  async start(): Promise<void> {
    this.port ||= await freePort();
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; ; attempt += 1) {
      const client = new Redis({
        port: this.port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A PostgreSQL cluster of the test's own (Debian's pg_createcluster), removed after. */
class ThrowawayCluster {
  constructor(
    readonly name: string,
    readonly port: number,
  ) {}
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  async create(): Promise<void> {
    await run('pg_createcluster', [
      pgVersion,
      this.name,
      '-p',
      String(this.port),
      '--start',
      '--',
      '--auth=trust',
    ]);
  }
  async restart(): Promise<void> {
    await run('pg_ctlcluster', [pgVersion, this.name, 'restart', '-m', 'fast']);
  }
  async drop(): Promise<void> {
    await run('pg_dropcluster', [pgVersion, this.name, '--stop']);
  }
}

gate.describe('bullmq campaign under faults', () => {
  const redis = new ThrowawayRedis();
  let cluster: ThrowawayCluster;
  let pool: pg.Pool;
  let store: PostgresStore;
  let smtp: CountingSmtp;
  let audience: SeededAudience;
  const schema = 'gm_faults';

  beforeAll(async () => {
    await redis.start();
    cluster = new ThrowawayCluster(freshName('gmfaults'), await freePort());
    await cluster.create();
    pool = new pg.Pool({ connectionString: cluster.url, max: 10 });
    // The restart ends every connection: the pool drops them and opens new ones.
    pool.on('error', () => {});
    store = await createPostgresStore({ pool, schema });
    audience = await seedAudience(store, SIZES);
    smtp = await startCountingSmtp({ dropRate: 0.01 });
  }, 180_000);

  afterAll(async () => {
    await smtp?.close();
    await pool?.end();
    await cluster?.drop();
    await redis.stop();
  }, 60_000);

  it('5 runs of 540 candidates over 2 processes with Redis and PostgreSQL restarted once and 1% of SMTP connections cut mid-DATA: every consenting person mailed exactly once, nobody refused mailed', async () => {
    // The operator's process: settles what the faults left unknown from the relay's log.
    const transport = createSmtpTransport({
      host: '127.0.0.1',
      port: smtp.port,
      ignoreTLS: true,
      maxConnections: 2,
      processor: { name: 'Local relay', role: 'email delivery', country: 'FR' },
      lookup: async (queries) => {
        const response = await fetch(smtp.logUrl, {
          method: 'POST',
          body: JSON.stringify(queries.map((q) => q.messageId)),
        });
        return (await response.json()) as DeliveryLookupResult[];
      },
    });
    const gdpr = createGdprMail(campaignConfig(store, transport));
    const consenting = new Set(audience.consenting);
    const refused = [...audience.suppressed, ...audience.restricted, ...audience.withdrawn];
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const started = performance.now();
    const lines: string[] = [];

    for (let runNo = 1; runNo <= RUNS; runNo += 1) {
      const runStarted = performance.now();
      const campaignId = freshName(`faults${runNo}`);
      const queueName = freshName('gm-faults');
      smtp.counts.clear();
      const before = smtp.total();
      const droppedBefore = smtp.dropped();
      const delivered = () => smtp.total() - before;
      const args = [
        schema,
        queueName,
        String(smtp.port),
        smtp.logUrl,
        String(redis.port),
        cluster.url,
      ];
      const workers: Worker[] = await Promise.all(
        Array.from({ length: WORKERS }, () => startWorkerProcess(args)),
      );
      const enqueue = async () => {
        const queue = createGdprQueue({ connection, gdpr, queueName });
        const enqueued = await queue.enqueueCampaign({
          id: campaignId,
          purposeId: 'newsletter',
          chunkSize: 100,
          batchSize: 50,
        });
        return { queue, enqueued };
      };

      // Redis restarted (empty) after 20% were delivered: the queue is gone, the store
      // keeps who was mailed; enqueued again under the same id, it sends the rest.
      let { queue } = await enqueue();
      await until(() => delivered() >= 100, 120_000, '100 messages before the Redis restart');
      await queue.close();
      await redis.stop();
      await redis.start();
      const again = await enqueue();
      queue = again.queue;
      expect(again.enqueued.alreadyQueued).toBe(false);
      const atRedisRestart = delivered();

      // PostgreSQL restarted (fast shutdown: every connection ended) at half.
      await until(() => delivered() >= 250, 120_000, '250 messages before the PostgreSQL restart');
      const atPostgresRestart = delivered();
      await cluster.restart();

      const report = await queue.waitForCampaign(campaignId, { timeoutMs: 180_000, pollMs: 100 });
      await queue.queue.obliterate({ force: true });
      await queue.close();
      await Promise.all(
        workers.map(async (w) => {
          w.child.kill('SIGTERM');
          expect(await w.exited, w.stderr()).toBe(0);
        }),
      );

      // Settling, as after any incident: a run of the same campaign settles from the
      // relay's log what is left unknown (cut connections, sends whose answer could not
      // be recorded) and sends the not-found ones, once; again until nothing is left.
      const passes: CampaignReport[] = [];
      for (let pass = 0; pass < 5; pass += 1) {
        await new Promise((r) => setTimeout(r, 2100));
        const settled = await gdpr.campaigns.run({
          id: campaignId,
          purposeId: 'newsletter',
          render: (member) => renderNews(member, { id: campaignId }),
          staleClaimMs: 2000,
          staleSendingMs: 2000,
        });
        passes.push(settled);
        if (settled.ambiguous + settled.inFlight + settled.failed === 0) break;
      }
      const last = passes.at(-1)!;
      expect(last).toMatchObject({ ambiguous: 0, inFlight: 0, failed: 0, complete: true });

      const twice = [...smtp.counts].filter(([, n]) => n > 1);
      expect(twice).toEqual([]);
      const missing = [...consenting].filter((email) => smtp.counts.get(email) !== 1);
      expect(missing).toEqual([]);
      for (const email of refused) expect(smtp.counts.get(email), email).toBeUndefined();
      expect(delivered()).toBe(SIZES.consenting);

      const line =
        `run ${runNo}: Redis restarted at ${atRedisRestart}, PostgreSQL at ${atPostgresRestart} delivered; ` +
        `${smtp.dropped() - droppedBefore} connections cut mid-DATA; queue report sent ${report.sent} ` +
        `+ already ${report.alreadySent}, ambiguous ${report.ambiguous}, inFlight ${report.inFlight}, ` +
        `failed ${report.failed}, failed chunks ${report.failedChunks}, reconciled ${report.reconciled}; ` +
        `${passes.length} settle pass(es): ${passes.map((p) => `reconciled ${p.reconciled}, sent ${p.sent}`).join('; ')}; ` +
        `at the sink ${delivered()} to ${smtp.counts.size} addresses, max 1 each; ` +
        `${((performance.now() - runStarted) / 1000).toFixed(1)} s`;
      lines.push(line);
      console.log(line);
    }
    console.log(
      `${RUNS} runs in ${((performance.now() - started) / 1000).toFixed(1)} s\n${lines.join('\n')}`,
    );
    await gdpr.close();
  }, 900_000);
});
