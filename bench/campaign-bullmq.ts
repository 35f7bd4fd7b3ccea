// bench/campaign-bullmq: one campaign of N recipients through @gdpr-mail/bullmq
// with two worker processes (PostgreSQL store, SMTP transport), against raw
// nodemailer pools in two processes with the same total connections sending the
// same N, in the same run, to one local smtp-server sink in its own process that
// counts messages per recipient. Prints msgs/s of both and the ratio (goal >=
// 0.8x), the peak RSS of each worker (sampled every 200 ms), and verifies at the
// sink exactly one message per consenting recipient and none for the few
// non-consenting ones: exits non-zero on any duplicate, missing or unexpected one.
//
//   pnpm bench:campaign-bullmq     (N=1000000 by default; N=20000 for a quick run)
//   CONNS=4 (SMTP connections per process), CHUNK=2000 (recipients per chunk job),
//   JOB_CONCURRENCY=2 (chunk jobs per worker), MAILER_BATCH=100 (mailer.batchSize),
//   MAILER_IN_FLIGHT=2 (mailer.inFlightBatches), PAGE (the campaign's page size,
//   `batchSize` of enqueueCampaign; unset: the SDK's default), SEED=import|sql (below)
//
// To see where the time and memory go (none of these is on by default):
//   CPU_PROF=<dir>   a V8 CPU profile of every sending process, both sides
//   HEAP_PROF=<dir>  a sampling profile of every allocation of every sending process,
//                    the ones the GC collected included (what shows as scavenges);
//                    with HEAP_PROF_SURVIVORS=1 only what no scavenge collected
//   MEMORY_LOG=1     each worker prints its RSS, V8 heap and external memory every 10 s
//   NODE_FLAGS='...' node flags for the sending processes of both sides, e.g.
//                    '--trace-gc --trace-gc-ignore-scavenger'; a worker's output is
//                    passed on once it is ready
//
// Also prints, per side, CPU time per message (user + system of the sending
// processes, not the sink's nor PostgreSQL's), the whole machine's CPU per message
// during that side's run (every process) and, for the campaign, the SQL statements its
// workers ran per message (BEGIN and COMMIT count).
//
// Needs PostgreSQL at 127.0.0.1:5432 db `test` (DATABASE_URL) and Redis at
// 127.0.0.1:6379 (REDIS_URL). Seeds a schema of its own and drops it. SEED=import (the
// default) seeds through the SDK's own contact import, so every address is sealed under
// its person's key as encryption at rest (on by default) writes it, and each worker opens
// the addresses it mails; SEED=sql inserts clear rows set-based in SQL (as a store
// written before encryption at rest holds them), quicker to seed at 1M.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGdprQueue } from '@gdpr-mail/bullmq';
import { createGdprMail } from '@gdpr-mail/core';
import { checkboxEvidence } from '@gdpr-mail/core/testing';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { benchConfig } from './fixtures.js';

const N = Number(process.env.N ?? 1_000_000);
const CONNS = Number(process.env.CONNS ?? 4);
const CHUNK = Number(process.env.CHUNK ?? 2000);
const PAGE = process.env.PAGE === undefined ? undefined : Number(process.env.PAGE);
const SEED = process.env.SEED ?? 'import';
/** Extra node flags for the sending processes of both sides (like with like), e.g. GC settings. */
const NODE_FLAGS = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
if (SEED !== 'import' && SEED !== 'sql') throw new Error('SEED is import or sql');
const WORKERS = 2;
/** Non-consenting people in the audience table: withdrawn, and never asked. */
const REFUSED = 10;
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = randomUUID().replaceAll('-', '').slice(0, 10);
const schema = `bench_campaign_${tag}`;
const queueName = `bench-campaign-${tag}`;
const here = import.meta.dirname;
const root = join(here, '..');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

interface SinkAnswer {
  port?: number;
  total?: number;
  reset?: boolean;
  verified?: { total: number; duplicates: number; missing: number; unexpected: number };
}

const sink = fork(join(here, 'campaign-sink-child.mjs'), {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
function ask(message: unknown, field: keyof SinkAnswer): Promise<SinkAnswer> {
  return new Promise((resolve) => {
    const on = (answer: SinkAnswer) => {
      if (answer[field] === undefined) return;
      sink.off('message', on);
      resolve(answer);
    };
    sink.on('message', on);
    if (message !== undefined) sink.send(message as string);
  });
}
const { port } = await ask(undefined, 'port').catch(() => ({ port: undefined }));
if (!port) throw new Error('the sink did not start');

const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const failures: string[] = [];
try {
  let started = performance.now();
  const seedStore = await createPostgresStore({ pool, schema });
  const s = `"${schema}"`;
  if (SEED === 'sql') await seedInSql();
  else await seedByImport();

  async function seedByImport(): Promise<void> {
    // N consenting people, one list, a consent date each (a `granted` event with method
    // `import`); then REFUSED who are not candidates: half granted then withdrew, half
    // never consented. Rows sealed as the SDK writes them.
    const seeder = createGdprMail({ ...benchConfig(), store: seedStore });
    async function* csv(): AsyncGenerator<string> {
      yield 'email,opt_in_date\n';
      for (let from = 1; from <= N; from += 10_000) {
        let lines = '';
        for (let i = from; i < Math.min(N + 1, from + 10_000); i += 1) {
          lines += `c${i}@example.test,2026-01-15\n`;
        }
        yield lines;
      }
    }
    const report = await seeder.contacts.import(csv(), {
      list: 'bench',
      source: 'bench seed',
      basis: 'consent',
      purposes: ['newsletter'],
      columns: { consentDate: 'opt_in_date' },
    });
    if (report.created !== N || report.consentRecorded !== N) {
      throw new Error(`seed: created ${report.created}, consent ${report.consentRecorded}`);
    }
    for (let i = 1; i <= REFUSED; i += 1) {
      const email = `x${i}@example.test`;
      if (i <= REFUSED / 2) {
        await seeder.consent.record({
          email,
          purposes: ['newsletter'],
          evidence: checkboxEvidence,
        });
        await seeder.consent.withdraw({
          email,
          purposes: ['newsletter'],
          evidence: { source: 'link' },
        });
      } else {
        await seeder.subjects.upsert(email, {});
      }
    }
    await seeder.close();
  }

  async function seedInSql(): Promise<void> {
    // Seeding, set-based: N consenting people (clear rows, as a store written before
    // encryption at rest reads them) with one grant each, and REFUSED who are not
    // candidates: half granted then withdrew, half never consented.
    // The blind index the SDK looks people up by (HMAC of the address under the
    // pepper, core's keyedHash): computed in Node a batch at a time, the rows in SQL.
    const pepper = createSecretKey(Buffer.from(benchConfig().secrets.pepper, 'utf8'));
    const subjectHash = (email: string) =>
      createHmac('sha256', pepper)
        .update('gdpr-mail/subject')
        .update('\u0000')
        .update(email)
        .digest('hex');
    for (let from = 1; from <= N; from += 50_000) {
      const to = Math.min(N, from + 49_999);
      const hashes = Array.from({ length: to - from + 1 }, (_, i) =>
        subjectHash(`c${from + i}@example.test`),
      );
      await pool.query(
        `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile)
         SELECT lpad(g::text, 9, '0'), t.h, 'c' || g || '@example.test', now(), now(), '{}'
         FROM unnest($1::text[]) WITH ORDINALITY AS t(h, i), LATERAL (SELECT $2::int + t.i::int - 1 AS g) AS n`,
        [hashes, from],
      );
    }
    await pool.query(
      `INSERT INTO ${s}.consent_events (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
       SELECT lpad(g::text, 9, '0'), 1, 'e' || g, 'granted', 'newsletter', now() - interval '1 day',
         '{"source":"bench","method":"checkbox","actor":"subject"}', NULL, md5('e' || g)
       FROM generate_series(1, $1) g`,
      [N],
    );
    // The refused ones sort between the consenting ones (ids 'x…' after digits would not).
    await pool.query(
      `INSERT INTO ${s}.subjects (id, email_hash, email, created_at, updated_at, profile)
       SELECT lpad((g * ($2::int / $1::int))::text, 9, '0') || '-x', h, 'x' || g || '@example.test', now(), now(), '{}'
       FROM unnest($3::text[]) WITH ORDINALITY AS t(h, g)`,
      [
        REFUSED,
        N,
        Array.from({ length: REFUSED }, (_, i) => subjectHash(`x${i + 1}@example.test`)),
      ],
    );
    await pool.query(
      `INSERT INTO ${s}.consent_events (subject_id, seq, id, type, purpose_id, at, proof, prev_hash, hash)
       SELECT lpad((g * ($2::int / $1::int))::text, 9, '0') || '-x', h.seq, 'x' || g || ':' || h.seq, h.type, 'newsletter',
         now() - interval '2 days' + h.seq * interval '1 hour',
         '{"source":"bench","method":"checkbox","actor":"subject"}', NULL, md5('x' || g || h.seq)
       FROM generate_series(1, $1 / 2) g
       CROSS JOIN (VALUES (1, 'granted'), (2, 'withdrawn')) AS h(seq, type)`,
      [REFUSED, N],
    );
  }

  await pool.query(`VACUUM ANALYZE ${s}.subjects`);
  await pool.query(`VACUUM ANALYZE ${s}.consent_events`);
  const refused = Array.from({ length: REFUSED }, (_, i) => `x${i + 1}@example.test`);
  console.log(
    `seeded (${SEED}) ${N.toLocaleString('en')} consenting + ${REFUSED} refused subjects in ${((performance.now() - started) / 1000).toFixed(1)} s; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  async function verify(prefix: string, label: string) {
    const { verified } = await ask({ verify: { prefix, n: N, absent: refused } }, 'verified');
    const v = verified!;
    console.log(
      `  ${label} at the sink: ${v.total} messages, ${v.duplicates} duplicates, ${v.missing} missing, ${v.unexpected} unexpected`,
    );
    if (v.duplicates || v.missing || v.unexpected || v.total !== N) failures.push(label);
  }

  // CPU of the whole machine (every process: senders, sink, PostgreSQL, Redis), in ms:
  // on two cores the rate is set by all of it, not by the senders' share alone.
  const machineBusyMs = () =>
    cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);

  // Phase 1: raw nodemailer, two processes, CONNS connections each.
  const raw = Array.from({ length: WORKERS }, (_, w) => {
    const from = Math.floor((w * N) / WORKERS) + 1;
    const to = Math.floor(((w + 1) * N) / WORKERS);
    return fork(
      join(here, 'campaign-raw-child.mjs'),
      [String(port), String(from), String(to), String(CONNS), 'c'],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // CPU_PROF: the raw senders are profiled too, to compare like with like.
        execArgv: [
          ...NODE_FLAGS,
          ...(process.env.CPU_PROF
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}/raw`]
            : []),
        ],
      },
    );
  });
  await Promise.all(raw.map((child) => new Promise((resolve) => child.once('message', resolve))));
  started = performance.now();
  let busyAt = machineBusyMs();
  const rawDone = await Promise.all(
    raw.map(
      (child) =>
        new Promise<{ sent: number; peakRss: number; cpuMs: number }>((resolve, reject) => {
          child.once('message', (m) =>
            resolve(m as { sent: number; peakRss: number; cpuMs: number }),
          );
          child.once('exit', (code) => code !== 0 && reject(new Error(`raw child exited ${code}`)));
          child.send('go');
        }),
    ),
  );
  const rawMs = performance.now() - started;
  const rawBusyMs = machineBusyMs() - busyAt;
  const rawRate = N / (rawMs / 1000);
  const rawCpuMs = rawDone.reduce((sum, d) => sum + d.cpuMs, 0);
  console.log(
    `raw nodemailer, ${WORKERS} processes x ${CONNS} connections: ${(rawMs / 1000).toFixed(1)} s, ${rawRate.toFixed(0)} msgs/s; peak RSS ${rawDone.map((d) => mb(d.peakRss)).join(', ')}; CPU ${(rawCpuMs / 1000).toFixed(1)} s (${((rawCpuMs * 1000) / N).toFixed(0)} µs/msg); machine ${((rawBusyMs * 1000) / N).toFixed(0)} µs/msg`,
  );
  await verify('c', 'raw nodemailer');
  await ask('reset', 'reset');

  // Phase 2: the campaign over BullMQ, two worker processes, CONNS connections each.
  const startWorker = (): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      [
        ...NODE_FLAGS,
        // CPU_PROF=<dir>: a V8 CPU profile of each worker, written there when it exits.
        ...(process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : []),
        '--import',
        'tsx',
        join(here, 'campaign-worker-child.ts'),
        schema,
        queueName,
        String(port),
        String(CONNS),
        redisUrl,
        databaseUrl,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    return new Promise((resolve, reject) => {
      let ready = false;
      child.stdout!.on('data', (d: Buffer) => {
        // After "ready", what a worker prints (NODE_FLAGS=--trace-gc, say) is passed on.
        if (ready) process.stdout.write(d);
        else if (d.toString().includes('ready')) {
          ready = true;
          resolve(child);
        }
      });
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready`)));
    });
  };
  const workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));
  const url = new URL(redisUrl);
  const gdpr = createGdprMail({
    ...benchConfig(),
    store: await createPostgresStore({ pool, schema, migrate: false }),
  });
  const queue = createGdprQueue({
    connection: { host: url.hostname, port: Number(url.port || 6379) },
    gdpr,
    queueName,
  });
  const campaignId = `bench-${tag}`;
  started = performance.now();
  busyAt = machineBusyMs();
  const enqueued = await queue.enqueueCampaign({
    id: campaignId,
    purposeId: 'newsletter',
    chunkSize: CHUNK,
    ...(PAGE === undefined ? {} : { batchSize: PAGE }),
  });
  const enqueueMs = performance.now() - started;
  const report = await queue.waitForCampaign(campaignId, { timeoutMs: 6 * 3600_000, pollMs: 200 });
  const campaignMs = performance.now() - started;
  const campaignBusyMs = machineBusyMs() - busyAt;
  const ends = await Promise.all(
    workers.map(
      (child) =>
        new Promise<{ peakRss: number; cpuMs: number; statements: number }>((resolve) => {
          child.once('message', (m) =>
            resolve(m as { peakRss: number; cpuMs: number; statements: number }),
          );
          child.kill('SIGTERM');
        }),
    ),
  );
  const peaks = ends.map((e) => e.peakRss);
  const cpuMs = ends.reduce((sum, e) => sum + e.cpuMs, 0);
  const statements = ends.reduce((sum, e) => sum + e.statements, 0);
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const rate = N / (campaignMs / 1000);
  console.log(
    `@gdpr-mail/bullmq, ${WORKERS} workers x ${CONNS} connections, ${enqueued.chunks} chunks of ${CHUNK}, pages of ${PAGE ?? 'the default'} (planned in ${(enqueueMs / 1000).toFixed(1)} s): ${(campaignMs / 1000).toFixed(1)} s, ${rate.toFixed(0)} msgs/s; peak RSS per worker ${peaks.map(mb).join(', ')}`,
  );
  console.log(
    `  workers: CPU ${(cpuMs / 1000).toFixed(1)} s (${((cpuMs * 1000) / N).toFixed(0)} µs/msg), ${statements.toLocaleString('en')} SQL statements (${(statements / N).toFixed(3)} per message); machine ${((campaignBusyMs * 1000) / N).toFixed(0)} µs/msg`,
  );
  console.log(
    `  report: sent ${report.sent}, alreadySent ${report.alreadySent}, failed ${report.failed}, ambiguous ${report.ambiguous}, denied ${report.denied} ${JSON.stringify(report.deniedByReason)}, complete ${report.complete}`,
  );
  await verify('c', 'campaign over BullMQ');
  if (report.sent !== N || !report.complete) failures.push('campaign report');
  console.log(
    `ratio bullmq/raw: ${(rate / rawRate).toFixed(2)}x (goal >= 0.8x); load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  sink.send('stop');
}
if (failures.length > 0) {
  console.error(`FAILED: ${failures.join(', ')}`);
  process.exit(1);
}
