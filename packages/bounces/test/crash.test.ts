import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGdprMail, normalizeEmail } from '@gdpr-mail/core';
import { requireService } from '@gdpr-mail/core/testing';
import { createPostgresStore } from '@gdpr-mail/postgres';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROCESSED_KEYWORD } from '../src/index.js';
import { type Dovecot, dovecotInstalled, startDovecot } from './dovecot.js';
import { crashConfig, crashLoad, POSTGRES_URL, REDIS, SOFT_SECRET } from './fixtures/synthetic.js';
import { appendMail, uids, withImap } from './imap-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const RUNS = 5;
const KILLS_PER_RUN = 2;

const services = await requireService('dovecot-imapd, PostgreSQL and Redis', async () => {
  await dovecotInstalled();
  const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await probe.query('SELECT 1');
  } finally {
    await probe.end();
  }
  const redis = new Redis({
    ...REDIS,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
});

interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves when the child printed "polled" n times (or finished). */
  polls(n: number): Promise<void>;
  done(): boolean;
}

function startReader(args: string[]): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures', 'reader-child.ts'), ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let out = '';
  let errors = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  const count = () => (out.match(/^polled/gm) ?? []).length;
  const settle = () => {
    for (const w of [...waiters]) {
      if (count() >= w.n || out.includes('done')) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stderr!.on('data', (d) => (errors += d));
  void exited.then(() => {
    for (const w of waiters.splice(0)) w.resolve();
  });
  return new Promise((ready, fail) => {
    child.stdout!.on('data', (d) => {
      const first = !out.includes('ready');
      out += d;
      settle();
      if (first && out.includes('ready')) {
        ready({
          child,
          exited,
          done: () => out.includes('done'),
          polls: (n) =>
            new Promise((resolve) => {
              waiters.push({ n, resolve });
              settle();
            }),
        });
      }
    });
    void exited.then((code) => {
      if (!out.includes('ready'))
        fail(new Error(`reader exited (${code}) before ready: ${errors}`));
    });
  });
}

let dovecot: Dovecot;
let pool: pg.Pool;
let redis: Redis;
const schemas: string[] = [];
const prefixes: string[] = [];
const killedMidway: number[] = [];

services.describe('bounce reader SIGKILLed at random points (Dovecot, PostgreSQL, Redis)', () => {
  beforeAll(async () => {
    dovecot = await startDovecot();
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    redis = new Redis(REDIS);
  });
  afterAll(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await pool?.end();
    redis?.disconnect();
    await dovecot?.close();
  });

  for (let run = 0; run < RUNS; run++) {
    it(`run ${run + 1}/${RUNS}: ${KILLS_PER_RUN} kills, then a clean finish: 0 processed twice, 0 lost`, async () => {
      const id = randomUUID().replaceAll('-', '').slice(0, 10);
      const schema = `gm_bounces_${id}`;
      const prefix = `gm-bounces-test:${id}:`;
      const mailbox = `Crash${run}`;
      schemas.push(schema);
      prefixes.push(prefix);
      const store = await createPostgresStore({ pool, schema });
      const gdpr = createGdprMail(crashConfig(store));
      const load = crashLoad(`r${run}${id}`);
      await withImap(dovecot, async (client) => {
        await client.mailboxCreate(mailbox);
        for (const mail of load.mails) await appendMail(client, mailbox, Buffer.from(mail));
      });
      const args = [schema, prefix, String(dovecot.port), mailbox];
      const points: string[] = [];
      for (let kill = 0; kill < KILLS_PER_RUN; kill++) {
        const reader = await startReader(args);
        // A random point: after 0-7 polls of 4 mails, plus 0-40 ms into the next one.
        const afterPolls = randomInt(0, 8);
        const extraMs = randomInt(0, 41);
        await reader.polls(afterPolls);
        await new Promise((r) => setTimeout(r, extraMs));
        const midway = !reader.done();
        reader.child.kill('SIGKILL');
        await reader.exited;
        points.push(`${afterPolls} polls + ${extraMs} ms${midway ? '' : ' (had finished)'}`);
        if (midway) killedMidway.push(run);
      }
      const last = await startReader(args);
      expect(await last.exited, points.join('; ')).toBe(0);
      expect(last.done()).toBe(true);

      // 0 lost: every mail is marked, every address that must be suppressed is.
      await withImap(dovecot, async (client) => {
        expect(await uids(client, mailbox, { unKeyword: PROCESSED_KEYWORD })).toEqual([]);
        expect(await uids(client, mailbox, { keyword: PROCESSED_KEYWORD })).toHaveLength(
          load.mails.length,
        );
      });
      for (const [email, reason] of load.suppressed) {
        expect((await gdpr.suppression.check(email))?.reason, email).toBe(reason);
      }
      // 0 processed twice: one audit entry per suppressed address, soft bounces counted once each.
      const added = (await store.listAudit(0, 10_000)).filter(
        (e) => e.action === 'suppression.added',
      );
      expect(added).toHaveLength(load.suppressed.size);
      expect(new Set(added.map((e) => e.subjectRef)).size).toBe(load.suppressed.size);
      for (const [email, count] of load.softCounts) {
        const key = createHmac('sha256', SOFT_SECRET).update(normalizeEmail(email)).digest('hex');
        expect(await redis.zcard(`${prefix}${key}`), email).toBe(count);
        if (count < 2) expect(await gdpr.suppression.check(email)).toBeUndefined();
      }
      await gdpr.close();
    }, 180_000);
  }

  it('the kills landed while the reader was working', () => {
    expect(killedMidway.length).toBeGreaterThanOrEqual(RUNS);
  });
});
