import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { GdprMail, GdprStore } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { requireService } from '@gdpr-mail/core/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { campaignConfig, POSTGRES_URL, REDIS } from './fixtures/campaign-config.js';

export function freshName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export const redisGate = () =>
  requireService('Redis at 127.0.0.1:6379', async () => {
    const client = new Redis({
      ...REDIS,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });

export const postgresGate = () =>
  requireService('PostgreSQL at 127.0.0.1:5432 (database test)', async () => {
    const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await probe.query('SELECT 1');
    } finally {
      await probe.end();
    }
  });

/**
 * A real SMTP server that counts the messages it accepted, per envelope
 * recipient, and keeps their Message-IDs: its log, which worker processes
 * search over HTTP (`logUrl`), as an operator's relay log or API would be.
 */
export interface CountingSmtp {
  port: number;
  /** `POST` a JSON array of Message-IDs: answers one lookup result per id. */
  logUrl: string;
  counts: Map<string, number>;
  /** Message-IDs accepted. */
  accepted: Set<string>;
  total(): number;
  /** Connections cut mid-DATA so far (see `dropRate`). */
  dropped(): number;
  close(): Promise<void>;
}

const MESSAGE_ID = /^message-id:[ \t]*(<[^>\r\n]+>)/im;

/**
 * `dropRate`: the share of messages whose connection the server cuts mid-DATA
 * (after the first chunk of the body, before its reply): such a message is
 * neither counted nor logged, and the client cannot tell whether it arrived.
 */
export async function startCountingSmtp(
  options: { dropRate?: number } = {},
): Promise<CountingSmtp> {
  const counts = new Map<string, number>();
  const accepted = new Set<string>();
  const dropRate = options.dropRate ?? 0;
  // Sockets by client port: smtp-server's session knows the port, not the socket.
  const sockets = new Map<number, Socket>();
  let total = 0;
  let dropped = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 100,
    onData(stream, session, callback) {
      let head = '';
      const drop = dropRate > 0 && Math.random() < dropRate;
      stream.on('data', (chunk: Buffer) => {
        if (drop) {
          sockets.get(session.remotePort)?.destroy();
          return;
        }
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      if (drop) dropped += 1;
      stream.on('end', () => {
        if (drop) return;
        // Counted when the whole message arrived, right before the 250 reply.
        const end = head.indexOf('\r\n\r\n');
        const messageId = MESSAGE_ID.exec(end < 0 ? head : head.slice(0, end))?.[1];
        if (messageId) accepted.add(messageId);
        for (const rcpt of session.envelope.rcptTo) {
          counts.set(rcpt.address, (counts.get(rcpt.address) ?? 0) + 1);
          total += 1;
        }
        callback(null, 'queued');
      });
    },
  });
  // A killed worker's connections reset: expected here, not a test failure.
  server.on('error', () => {});
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort;
    if (port === undefined) return;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const log = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const ids = JSON.parse(body) as string[];
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(
          ids.map((id) => (accepted.has(id) ? { status: 'accepted' } : { status: 'not-found' })),
        ),
      );
    });
  });
  await new Promise<void>((resolve) => log.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    logUrl: `http://127.0.0.1:${(log.address() as AddressInfo).port}/lookup`,
    counts,
    accepted,
    total: () => total,
    dropped: () => dropped,
    close: async () => {
      await new Promise<void>((resolve) => log.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SeededAudience {
  consenting: string[];
  suppressed: string[];
  restricted: string[];
  withdrawn: string[];
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Consent is recorded through the real API on an in-memory store (fast), then
 * the subjects and their ledgers are copied into the target store with its
 * own methods; suppressions are added through the target's API.
 */
export async function seedAudience(
  target: GdprStore,
  sizes: { consenting: number; suppressed: number; restricted: number; withdrawn: number },
): Promise<SeededAudience> {
  const emails = (kind: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${kind}${i}@example.test`);
  const audience: SeededAudience = {
    consenting: emails('c', sizes.consenting),
    suppressed: emails('s', sizes.suppressed),
    restricted: emails('r', sizes.restricted),
    withdrawn: emails('w', sizes.withdrawn),
  };
  const withdrawn = new Set(audience.withdrawn);
  const restricted = new Set(audience.restricted);
  const evidence = { action: 'affirmative', method: 'checkbox', source: 'bullmq-test' } as const;
  const all = Object.values(audience).flat();
  // Small memory stores (a transaction there copies the whole store).
  for (let start = 0; start < all.length; start += 200) {
    const memory = new MemoryStore();
    const seeding = createGdprMail(campaignConfig(memory));
    for (const email of all.slice(start, start + 200)) {
      await seeding.consent.record({ email, purposes: ['newsletter'], evidence });
      if (withdrawn.has(email)) {
        await seeding.consent.withdraw({
          email,
          purposes: ['newsletter'],
          evidence: { source: 'link' },
        });
      }
      if (restricted.has(email)) {
        await seeding.subjects.upsert(email, {
          restriction: { at: new Date(), reason: 'Art. 18' },
        });
      }
    }
    const subjects = await memory.listSubjects({ limit: 1000 });
    await inParallel(subjects, 8, async (subject) => {
      await target.createSubject(subject);
      await target.appendConsentEvents(
        subject.id,
        undefined,
        await memory.listConsentEvents(subject.id),
      );
    });
  }
  const gdpr: GdprMail = createGdprMail(campaignConfig(target));
  await inParallel(audience.suppressed, 4, async (email) => {
    await gdpr.suppression.add(email, 'hard-bounce');
  });
  return audience;
}

export interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What the process wrote to stderr so far (why it exited non-zero). */
  stderr(): string;
}

const root = resolve(__dirname, '..', '..', '..');

/** A worker process (fixtures/worker-child.ts) with these arguments; resolves once it is ready. */
export function startWorkerProcess(args: readonly string[]): Promise<Worker> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fixtures', 'worker-child.ts'), ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  return new Promise((ready, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) ready({ child, exited, stderr: () => errors.slice(-4000) });
    });
    void exited.then((code) => fail(new Error(`worker exited (${code}) before ready: ${errors}`)));
  });
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
