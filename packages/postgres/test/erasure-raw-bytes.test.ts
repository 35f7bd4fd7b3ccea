import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGdprQueue, createGdprWorker } from '@gdpr-mail/bullmq';
import type { GdprLogger, GdprMail, GdprMailConfig, GdprStore } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { requireService, testConfig } from '@gdpr-mail/core/testing';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';
import type { Needle, PgTools, ScanReport } from './raw-scan.js';
import {
  compressedValues,
  describeScan,
  dumpSchema,
  filesUnder,
  pgTools,
  relationFiles,
  requirePgClients,
  requirePgDataDirectory,
  runProgram,
  runTag,
  scanBuffers,
  scanFiles,
} from './raw-scan.js';

// Whole-flow acceptance of "erasure leaves no readable trace" (docs/security.md,
// docs/dsar.md): one person goes through every path that could copy their
// data (double opt-in, profile, CSV import, mail, provider bounce with the
// address in its detail, DSAR export and download, a BullMQ campaign over
// Redis, the outbox of the public routes, the SDK's logs), is erased through
// the DSAR flow, and then every byte the run left is searched for the
// address, its local part and the name, each as given, lower- and
// upper-cased, in base64 (every alignment), quoted-printable, URL-encoded and
// hex: the embedded PGlite store's storage dir (data folder, erasure journal,
// the log file), PostgreSQL (pg_dump of a fresh schema, the files of its
// relations and TOAST after a CHECKPOINT, the WAL written meanwhile), and the
// Redis keys the campaign created.
//
// It found two leaks, fixed with it: a provider event's `detail` went verbatim
// into the `suppression.added` audit entry, which outlives the erasure (now
// stripped of addresses and the recipient's local part), and an import's
// consent proof reference was kept in the clear on the contact's source and in
// the ledger's reason, so dead tuples and WAL held it after the erasure (now
// sealed on the source, and left out of the reason).

const tag = runTag();
const person = {
  email: `zq7-erase-me.${tag.hex.toLowerCase()}@example.org`,
  name: `Quintessa Erasewell${tag.hex}`,
  phone: `+33 6 ${tag.digits.slice(0, 2)} ${tag.digits.slice(2, 4)} ${tag.digits.slice(4)} 77`,
  customerNo: `CUST-ZQ7-${tag.digits}`,
  /** The reference of their signed paper form, as a legacy list keeps it. */
  consentProof: `paper form ZQ7/${tag.digits}`,
  ip: '203.0.113.77',
  userAgent: `ZqEraseAgent/${tag.hex}`,
};
const DSAR_IP = '198.51.100.77';
const localPart = person.email.split('@')[0]!;

/** base64 of `value` at every byte alignment, cut to the characters only `value` decides. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (const pad of [0, 1, 2]) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = Buffer.concat([Buffer.alloc(pad), bytes]).toString(encoding);
      const start = Math.ceil((pad * 8) / 6);
      const end = Math.floor(((pad + bytes.length) * 8) / 6);
      out.push(text.slice(start, end));
    }
  }
  return out;
}

/** RFC 2045 quoted-printable (soft line breaks left out: a needle is short). */
function quotedPrintable(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      (b >= 33 && b <= 126 && b !== 61) || b === 32
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** The value and its common encodings, each a needle of its own (duplicates dropped). */
function encodedNeedles(label: string, value: string): Needle[] {
  const forms: [string, string][] = [
    ['as given', value],
    ['lower-cased', value.toLowerCase()],
    ['upper-cased', value.toUpperCase()],
    ...base64Forms(value).map((v, i): [string, string] => [`base64 #${i}`, v]),
    ...base64Forms(value.toLowerCase()).map((v, i): [string, string] => [`base64 lower #${i}`, v]),
    ['quoted-printable', quotedPrintable(value)],
    ['URL-encoded', encodeURIComponent(value)],
    ['form-encoded', encodeURIComponent(value).replaceAll('%20', '+')],
    ['hex', Buffer.from(value, 'utf8').toString('hex')],
    ['UTF-16LE', Buffer.from(value, 'utf16le').toString('latin1')],
  ];
  const seen = new Set<string>();
  const out: Needle[] = [];
  for (const [how, form] of forms) {
    if (seen.has(form)) continue;
    seen.add(form);
    out.push({ label: `${label} (${how})`, value: form });
  }
  return out;
}

const needles: Needle[] = [
  ...encodedNeedles('address', person.email),
  ...encodedNeedles('local part', localPart),
  ...encodedNeedles('name', person.name),
  ...encodedNeedles('phone', person.phone),
  ...encodedNeedles('customer number', person.customerNo),
  ...encodedNeedles('consent proof reference', person.consentProof),
  { label: 'proof IP', value: person.ip },
  { label: 'DSAR request IP', value: DSAR_IP },
  ...encodedNeedles('proof user agent', person.userAgent),
];

/** A logger as an app would install one: JSON lines appended to a file, also forwarded to the test logger. */
function fileLogger(path: string, next: GdprLogger | undefined): GdprLogger {
  const write =
    (level: keyof GdprLogger) => (fields: Record<string, unknown>, message?: string) => {
      appendFileSync(path, `${JSON.stringify({ level, message, ...fields })}\n`);
      next?.[level](fields, message);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

const REDIS = { host: '127.0.0.1', port: 6379 } as const;
const redisGate = await requireService('Redis at 127.0.0.1:6379', async () => {
  await runProgram('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), 'PING']);
});

/** The raw contents of every Redis key under `pattern`: DUMP and the value read by its type. */
async function redisBytes(pattern: string): Promise<{ keys: string[]; buffers: Buffer[] }> {
  const cli = (...args: string[]) =>
    runProgram('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), '--raw', ...args]);
  const keys = (await cli('--scan', '--pattern', pattern))
    .toString('utf8')
    .split('\n')
    .filter(Boolean);
  const buffers: Buffer[] = [Buffer.from(keys.join('\n'))];
  for (const key of keys) {
    buffers.push(await cli('DUMP', key));
    const type = (await cli('TYPE', key)).toString('utf8').trim();
    const read: Record<string, string[]> = {
      string: ['GET', key],
      hash: ['HGETALL', key],
      list: ['LRANGE', key, '0', '-1'],
      set: ['SMEMBERS', key],
      zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
      stream: ['XRANGE', key, '-', '+'],
    };
    if (read[type]) buffers.push(await cli(...read[type]!));
  }
  return { keys, buffers };
}

/** Everything the run did to the person before the erasure. */
async function exercise(
  gdpr: GdprMail,
  transport: InMemoryTransport,
  options: { queueName?: string } = {},
): Promise<{ exportBytes: Buffer }> {
  const evidence = {
    action: 'affirmative' as const,
    method: 'checkbox' as const,
    source: 'signup-form',
    ip: person.ip,
    userAgent: person.userAgent,
    noticeVersions: { newsletter: '1.0', partners: '1.0' },
  };
  // The signup route's path: sealed into the outbox, then drained.
  await gdpr.outbox.enqueue({
    kind: 'signup',
    email: person.email,
    purposes: ['newsletter'],
    evidence,
    at: new Date().toISOString(),
  });
  await gdpr.outbox.drain();
  const confirm = /\/confirm\/(\S+)/.exec(transport.sentTo(person.email).at(-1)!.message.text!)!;
  await gdpr.optIn.confirm(confirm[1]!);
  // Double opt-in called directly too.
  const optIn = await gdpr.optIn.request(person.email, ['partners'], evidence);
  await gdpr.optIn.confirm(optIn.token);
  await gdpr.subjects.upsert(person.email, { name: person.name, phone: person.phone });

  // A legacy list that holds them, keyed on a customer number.
  const csv = `email,customer_no,first_name,language,consent_date,consent_proof\r\n${person.email.toUpperCase()},${person.customerNo},${person.name},French,2024-02-03,${person.consentProof}\r\nother.${tag.hex}@example.org,CUST-OTHER-${tag.digits},Someone Else,en,2024-02-03,paper form\r\n`;
  async function* chunks() {
    yield csv;
  }
  const report = await gdpr.contacts.import(chunks(), {
    basis: 'consent',
    purposes: ['newsletter'],
    list: 'legacy-2024',
    source: 'Fair 2024',
    key: 'customer_no',
  });
  expect(report.rejected).toBe(0);
  // The same list again, keyed on the address this time.
  const again = await gdpr.contacts.import(chunks(), {
    basis: 'consent',
    purposes: ['newsletter'],
    list: 'legacy-2024-b',
    source: 'Fair 2024 (b)',
  });
  expect(again.rejected).toBe(0);

  const sent = await gdpr.mailer.send({
    to: { address: person.email, name: person.name },
    purposeId: 'newsletter',
    subject: `Hello ${person.name}`,
    text: `Dear ${person.name}, news for ${person.email}.`,
  });
  expect(sent).toMatchObject({ status: 'sent' });

  // A provider event naming them in its detail (as SMTP replies do).
  const providerMessageId = transport.sentTo(person.email).at(-1)?.providerMessageId;
  await gdpr.providerEvents.apply([
    {
      provider: 'ses',
      type: 'soft-bounce',
      email: person.email,
      ...(providerMessageId ? { providerMessageId } : {}),
      detail: `452 4.2.2 <${person.email}>: mailbox of ${person.name} full (${localPart})`,
      eventId: `evt-${tag.hex}`,
    },
  ]);

  // A campaign through BullMQ, when Redis is there.
  if (options.queueName) {
    const connection = { ...REDIS, maxRetriesPerRequest: null };
    const queue = createGdprQueue({ connection, gdpr, queueName: options.queueName });
    const worker = createGdprWorker({
      connection,
      gdpr,
      queueName: options.queueName,
      render: (member) => ({
        subject: `News for ${String(member.profile.name ?? '')}`,
        text: `Hello ${String(member.profile.name ?? '')} <${member.email}>`,
      }),
    });
    try {
      await queue.enqueueCampaign({ id: `raw-${tag.hex}`, purposeId: 'newsletter' });
      const result = await queue.waitForCampaign(`raw-${tag.hex}`, {
        timeoutMs: 20_000,
        pollMs: 50,
      });
      expect(result.sent).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.close();
      await queue.close();
    }
  }

  // Access request, export and download: the bundle holds them (the needles find it).
  await gdpr.dsar.request({ email: person.email, type: 'access', ip: DSAR_IP });
  const verify = /\/dsar\/verify\/(\S+)/.exec(
    transport.sentTo(person.email).at(-1)!.message.text!,
  )!;
  const access = await gdpr.dsar.verify(verify[1]!);
  let exported = '';
  for await (const chunk of gdpr.dsar.exportJson(access.id)) exported += chunk;
  await gdpr.dsar.sendDownloadLink(access.id);
  const download = /\/dsar\/download\/(\S+)/.exec(
    transport.sentTo(person.email).at(-1)!.message.text!,
  )!;
  const { body } = await gdpr.dsar.download(download[1]!);
  for await (const chunk of body) exported += chunk;

  // Then a provider unsubscribe whose detail quotes the SMTP reply (the address, whole and
  // by its local part), as a custom webhook passes it on: the audit entry outlives the erasure.
  await gdpr.providerEvents.apply([
    {
      provider: 'custom-relay',
      type: 'unsubscribe',
      email: person.email,
      detail: `550 5.1.1 <${person.email}>: Recipient address rejected; ${localPart.toUpperCase()}... User unknown`,
      eventId: `evt-hard-${tag.hex}`,
    },
  ]);

  // The erasure, as the person does it.
  await gdpr.dsar.request({ email: person.email, type: 'erasure', ip: DSAR_IP });
  const erasureLink = /\/dsar\/verify\/(\S+)/.exec(
    transport.sentTo(person.email).at(-1)!.message.text!,
  )!;
  const erasure = await gdpr.dsar.verify(erasureLink[1]!);
  const certificate = await gdpr.dsar.erase(erasure.id);
  expect(certificate).toBeDefined();
  expect(await gdpr.subjects.get(person.email)).toBeUndefined();
  expect((await gdpr.canSend(person.email, 'newsletter')).reason).toBe('suppressed');
  return { exportBytes: Buffer.from(exported, 'utf8') };
}

function configFor(
  root: string,
  transport: InMemoryTransport,
  store: GdprStore | undefined,
): GdprMailConfig {
  const base = testConfig();
  return testConfig({
    store,
    storage: { dir: join(root, 'storage') },
    logger: fileLogger(join(root, 'sdk.log'), base.logger),
    transport,
    mailer: {
      from: { address: 'news@acme.test' },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    },
    secrets: {
      ...base.secrets,
      encryptionKeys: [{ id: 'kek-raw', secret: 'erasure-raw-bytes-kek-0123456789-abcdefgh' }],
    },
    encryption: { pepperKey: false },
    proof: { recordIp: true, recordUserAgent: true },
  });
}

/** Hits of the person, by where they are. */
function expectNoHits(title: string, report: ScanReport) {
  console.info(describeScan(title, report));
  expect(report.hits).toEqual([]);
}

describe('erasure leaves no readable trace: the embedded PGlite store (raw bytes)', () => {
  let root: string;
  let exportBytes: Buffer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gm-erasure-raw-'));
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(configFor(root, transport, undefined));
    ({ exportBytes } = await exercise(gdpr, transport));
    await gdpr.close();
  }, 180_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the needles find the person in what the SDK handed out (the export), so silence below means something', () => {
    const found = scanBuffers([{ name: 'export', bytes: exportBytes }], needles);
    const labels = new Set(found.hits.map((h) => h.label));
    expect(labels).toContain('address (as given)');
    expect(labels).toContain('name (as given)');
    expect(labels).toContain('phone (as given)');
    expect(labels).toContain('customer number (as given)');
    expect(labels).toContain('consent proof reference (as given)');
  });

  it('no byte of the storage dir (PGlite data folder with pg_wal/, erasure journal) or the SDK log file holds the person, in any encoding', async () => {
    const files = await filesUnder(root);
    expect(files.some((f) => f.includes('/pg_wal/'))).toBe(true);
    expect(files.some((f) => f.endsWith('erasures.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('sdk.log'))).toBe(true);
    const report = await scanFiles(files, needles, root);
    expectNoHits(`PGlite storage dir, journal and log (${files.length} files)`, report);
  });
});

const pgGates = [await requirePostgres(), await requirePgClients(), await requirePgDataDirectory()];
const pgGate = pgGates.find((g) => !g.available) ?? pgGates[0]!;

pgGate.describe('erasure leaves no readable trace: PostgreSQL and Redis (raw bytes)', () => {
  let root: string;
  let pool: pg.Pool;
  let tools: PgTools;
  const schema = freshSchema();
  const queueName = `gm-erasure-raw-${tag.hex.toLowerCase()}`;
  let started = 0;
  let compressed = -1;

  beforeAll(async () => {
    started = Date.now() - 1000;
    root = await mkdtemp(join(tmpdir(), 'gm-erasure-raw-pg-'));
    await mkdir(join(root, 'storage'), { recursive: true });
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    tools = await pgTools();
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      configFor(root, transport, await createPostgresStore({ pool, schema })),
    );
    await exercise(gdpr, transport, redisGate.available ? { queueName } : {});
    await gdpr.close();
    compressed = await compressedValues((sql, params) => pool.query(sql, params), schema);
    await pool.query('CHECKPOINT');
  }, 180_000);

  afterAll(async () => {
    if (redisGate.available) {
      const { keys } = await redisBytes(`bull:${queueName}:*`);
      for (const key of keys) {
        await runProgram('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), 'DEL', key]);
      }
    }
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('pg_dump of the schema (TOAST values detoasted) holds nothing of the person', async () => {
    const dump = await dumpSchema(tools, schema);
    expectNoHits('pg_dump', scanBuffers([{ name: 'pg_dump', bytes: dump }], needles));
    expect(compressed).toBe(0);
  });

  it("the files of the schema's relations, TOAST tables and indexes, and the WAL written during the run, hold nothing of the person", async () => {
    const { rows } = await pool.query<{ path: string }>(
      `WITH own AS (
         SELECT c.oid, c.reltoastrelid FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
       ), rels AS (
         SELECT oid FROM own
         UNION SELECT reltoastrelid FROM own WHERE reltoastrelid <> 0
         UNION SELECT i.indexrelid FROM pg_index i JOIN own ON i.indrelid = own.reltoastrelid
       )
       SELECT pg_relation_filepath(oid) AS path FROM rels WHERE pg_relation_filepath(oid) IS NOT NULL`,
      [schema],
    );
    const files: string[] = [];
    for (const row of rows) {
      files.push(...(await relationFiles(join(tools.dataDirectory, row.path))));
    }
    const walDir = join(tools.dataDirectory, 'pg_wal');
    for (const name of await readdir(walDir)) {
      if (!/^[0-9A-F]{24}$/.test(name)) continue;
      if ((await stat(join(walDir, name))).mtimeMs >= started) files.push(join(walDir, name));
    }
    expect(files.length).toBeGreaterThan(0);
    // The WAL is the server's, shared with other runs: only this run's unique values count there.
    const report = await scanFiles(files, needles, tools.dataDirectory);
    expectNoHits(`PostgreSQL relation files and WAL (${files.length} files)`, report);
  });

  it('the SDK log file and the storage dir hold nothing of the person', async () => {
    const files = await filesUnder(root);
    expect(files.some((f) => f.endsWith('sdk.log'))).toBe(true);
    expectNoHits('log and storage dir', await scanFiles(files, needles, root));
  });

  it.skipIf(!redisGate.available && process.env.GDPR_MAIL_REQUIRE_SERVICES !== '1')(
    'the Redis keys of the BullMQ campaign (DUMP and values) hold nothing of the person',
    async () => {
      const { keys, buffers } = await redisBytes(`bull:${queueName}:*`);
      expect(keys.length).toBeGreaterThan(0);
      const report = scanBuffers(
        buffers.map((bytes, i) => ({ name: i === 0 ? 'key names' : `key ${i}`, bytes })),
        needles,
      );
      expectNoHits(`Redis (${keys.length} keys)`, report);
    },
  );
});
