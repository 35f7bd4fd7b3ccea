import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import { createGdprMail, type GdprMailConfig } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt } from '../../../tests/support/ensure-built.js';
import { defaultKeyId, unusedKeyId } from '../src/commands/keys-command.js';
import { captureIo } from './capture-io.js';

let dir: string;

const io = () => captureIo(dir);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-'));
  const config = testConfig({
    processors: [
      {
        name: 'Helpdesk Inc.',
        role: 'support',
        country: 'US',
        transferSafeguard: 'standard-contractual-clauses',
      },
    ],
  });
  // The default embedded store (PGlite) lives in the test folder, not the repository.
  config.storage = { dir: join(dir, 'store') };
  writeFileSync(join(dir, 'gdpr-mail.config.json'), JSON.stringify(config));
  writeFileSync(
    join(dir, 'bad.config.json'),
    JSON.stringify({ ...config, secrets: { pepper: 'x' } }),
  );
  // A config module may export a function (to open pools and read secrets).
  writeFileSync(
    join(dir, 'fn.config.mjs'),
    `export default async () => (${JSON.stringify(config)});`,
  );
});

// Each command opens a GdprMail (key derivation, a fresh store): under a shared CI
// machine's load a test of several commands has run past the 30 s default.
describe('gdpr-mail CLI', { timeout: 120_000 }, () => {
  it('writes the record of processing as markdown, html and json', async () => {
    const md = io();
    expect(await runCli(['records'], md.io)).toBe(0);
    expect(md.out()).toContain('# Record of processing activities — Acme SAS');
    expect(md.out()).toContain('Helpdesk Inc.');

    const json = io();
    expect(await runCli(['records', '--json', '--config', 'fn.config.mjs'], json.io)).toBe(0);
    expect(JSON.parse(json.out()).activities).toHaveLength(5);

    const html = io();
    expect(await runCli(['records', '--format', 'html', '--out', 'ropa.html'], html.io)).toBe(0);
    expect(readFileSync(join(dir, 'ropa.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('exits 3 on an invalid config with every bad field, 2 on usage errors', async () => {
    const bad = io();
    expect(await runCli(['records', '--config', 'bad.config.json'], bad.io)).toBe(3);
    expect(bad.err()).toContain('secrets.pepper');
    const usage = io();
    expect(await runCli(['nope'], usage.io)).toBe(2);
    expect(usage.err()).toContain('Unknown command');
    expect(await runCli(['records', '--format', 'pdf'], io().io)).toBe(2);
    expect(await runCli(['records', '--config', 'missing.json'], io().io)).toBe(2);
    expect(await runCli(['--bogus'], io().io)).toBe(2);
  });

  it('drives the breach register with typed failures as exit 1', async () => {
    // The JSON config has no store: each run gets a fresh memory store, so the
    // test opens and closes within one invocation's rules only.
    const opened = io();
    const input = JSON.stringify({
      title: 'Lost laptop',
      awareAt: '2020-01-01T00:00:00.000Z',
      nature: {
        description: 'Unencrypted laptop lost',
        subjectCategories: ['customers'],
        approxSubjects: 10,
        recordCategories: ['email address'],
        approxRecords: 10,
      },
      likelyConsequences: 'Phishing',
      measures: 'Remote wipe requested',
      risk: 'risk',
    });
    expect(await runCli(['breach', 'open', '--input', input, '--json'], opened.io)).toBe(0);
    const incident = JSON.parse(opened.out());
    expect(new Date(incident.notifyBy).getTime() - new Date(incident.awareAt).getTime()).toBe(
      72 * 3_600_000,
    );

    const invalid = io();
    expect(await runCli(['breach', 'open', '--input', '{"title":""}'], invalid.io)).toBe(1);
    expect(invalid.err()).toContain('VALIDATION_FAILED');
    expect(await runCli(['breach', 'show'], io().io)).toBe(2);
    const missing = io();
    expect(await runCli(['breach', 'show', 'nope'], missing.io)).toBe(1);
    expect(missing.err()).toContain('BREACH_NOT_FOUND');
  });

  it('migrates the embedded store, verifies the audit log, plans and sweeps retention', async () => {
    const migrate = io();
    expect(await runCli(['migrate', '--json'], migrate.io)).toBe(0);
    expect(JSON.parse(migrate.out())).toMatchObject({ migrated: true });
    const said = io();
    expect(await runCli(['migrate'], said.io)).toBe(0);
    expect(said.out()).toBe('The embedded store (storage.dir) is up to date.\n');
    const verify = io();
    expect(await runCli(['audit', 'verify', '--json'], verify.io)).toBe(0);
    expect(JSON.parse(verify.out())).toMatchObject({ ok: true });
    const plan = io();
    expect(await runCli(['retention', 'plan', '--json'], plan.io)).toBe(0);
    expect(JSON.parse(plan.out())).toMatchObject({ due: {}, held: {} });
    const sweep = io();
    expect(await runCli(['retention', 'sweep', '--batch-size', '100'], sweep.io)).toBe(0);
    expect(sweep.err()).toContain('Done: 0 deleted');
    expect(await runCli(['retention', 'sweep', '--batch-size', 'many'], io().io)).toBe(2);
    expect(await runCli(['audit', 'nope'], io().io)).toBe(2);
  });

  it('answers STORE_LOCKED in one line, exit 1, while another process holds the embedded store', async () => {
    // A lock written from another host and touched just now: the app is running there.
    const config = JSON.parse(readFileSync(join(dir, 'gdpr-mail.config.json'), 'utf8'));
    config.storage = { dir: join(dir, 'locked-store') };
    writeFileSync(join(dir, 'locked.config.json'), JSON.stringify(config));
    writeFileSync(
      join(dir, 'locked-store.lock'),
      JSON.stringify({ pid: 1, host: 'the-app-host', token: 'theirs' }),
    );
    const locked = io();
    // Before: the close after the refused open threw the refusal again, so runCli rejected
    // and the bin printed its stack trace after the line.
    expect(await runCli(['audit', 'verify', '--config', 'locked.config.json'], locked.io)).toBe(1);
    expect(locked.err()).toMatch(
      /^STORE_LOCKED: The embedded store folder is open in another process/,
    );
    expect(locked.err()).not.toContain('    at ');
  });

  it('imports a legacy list with progress on stderr and a --json report; a re-run changes nothing (SEED-01)', async () => {
    writeFileSync(
      join(dir, 'salon.csv'),
      'email,Langue,consent_date\n' +
        'ann@example.org,Français,2018-05-01\n' +
        'BOB@example.org,nl-BE,\n' +
        'not-an-address,fr,\n' +
        'ann@example.org,fr,\n',
    );
    const args = [
      'import',
      'salon.csv',
      '--list',
      'Salon',
      '--source',
      'Salon X 2018',
      '--basis',
      'consent',
      '--purpose',
      'newsletter',
      '--language-column',
      'Langue',
      '--batch-size',
      '2',
    ];
    const first = io();
    expect(await runCli([...args, '--json'], first.io)).toBe(0);
    const report = JSON.parse(first.out());
    expect(report).toMatchObject({
      rows: 4,
      created: 2,
      merged: 0,
      unchanged: 1,
      rejected: 1,
      rejects: { 'invalid-email': 1 },
      flagged: 1,
      consentRecorded: 1,
      languages: { mapped: 3 },
    });
    // One progress line per batch of 2 rows.
    expect(first.err()).toContain('rows 2  created 2');
    expect(first.err()).toContain('rows 4  created 2  merged 0  unchanged 1  rejected 1');

    const again = io();
    expect(await runCli(args, again.io)).toBe(0);
    expect(again.out()).toMatch(/created\s+0/);
    expect(again.out()).toMatch(/unchanged\s+3/);
    // Samples by line number only: the printed report names no address or cell value.
    expect(again.out()).toContain('rejected  line 4: invalid-email');
    expect(again.out()).not.toContain('not-an-address');

    const usage = io();
    expect(
      await runCli(['import', 'salon.csv', '--source', 'x', '--basis', 'consent'], usage.io),
    ).toBe(2);
    expect(usage.err()).toContain('--list');
    expect(
      await runCli(
        ['import', 'missing.csv', '--list', 'a', '--source', 'b', '--basis', 'consent'],
        io().io,
      ),
    ).toBe(2);
    // No configured purpose rests on a legal obligation: a typed refusal, exit 1.
    const badBasis = io();
    expect(
      await runCli(
        ['import', 'salon.csv', '--list', 'a', '--source', 'b', '--basis', 'legal-obligation'],
        badBasis.io,
      ),
    ).toBe(1);
    expect(badBasis.err()).toContain('VALIDATION_FAILED');
  });

  it('imports JSON lines keyed on a customer number, format taken from the file name', async () => {
    writeFileSync(
      join(dir, 'crm.jsonl'),
      `${[
        { customer_no: 'K-1', email: 'kim@example.org', language: 'Deutsch' },
        { customer_no: 'K-1', email: 'kim.other@example.org', language: 'de' },
        { customer_no: '', email: 'nokey@example.org' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n')}\n`,
    );
    const run = io();
    const args = ['import', 'crm.jsonl', '--list', 'CRM', '--source', 'CRM export'];
    expect(
      await runCli([...args, '--basis', 'soft-opt-in', '--key', 'customer_no', '--json'], run.io),
    ).toBe(0);
    expect(JSON.parse(run.out())).toMatchObject({
      purposeIds: ['customer-offers'],
      created: 1,
      merged: 1,
      conflicts: 1,
      rejects: { 'missing-key': 1 },
    });
    expect(await runCli([...args, '--basis', 'soft-opt-in', '--format', 'xml'], io().io)).toBe(2);
  });

  it('prints help', async () => {
    const help = io();
    expect(await runCli(['--help'], help.io)).toBe(0);
    expect(help.out()).toContain('Usage: gdpr-mail');
  });
});

describe('gdpr-mail keys create (REQ-34)', () => {
  // A folder without any config: creating a key must not need one.
  const bare = () => {
    const run = io();
    run.io.cwd = mkdtempSync(join(tmpdir(), 'gdpr-mail-keys-'));
    return run;
  };

  it('prints a fresh 32-byte base64url secret and the config line, id defaulting to the month', async () => {
    const before = defaultKeyId(new Date());
    const text = bare();
    expect(await runCli(['keys', 'create'], text.io)).toBe(0);
    const after = defaultKeyId(new Date());
    const [, id, secret] = /\{ id: '([^']+)', secret: '([^']+)' \}/.exec(text.out()) ?? [];
    expect([before, after]).toContain(id);
    expect(id).toMatch(/^\d{4}-(0[1-9]|1[0-2])$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret ?? '', 'base64url')).toHaveLength(32);
    expect(text.out()).toContain('FIRST in secrets.encryptionKeys');
    expect(text.err()).toBe('');
  });

  it('takes --id, answers --json, and never prints the same secret twice', async () => {
    const runs = [bare(), bare()];
    for (const run of runs) {
      expect(await runCli(['keys', 'create', '--id', 'k.2027_01', '--json'], run.io)).toBe(0);
    }
    const [a, b] = runs.map((run) => JSON.parse(run.out()) as { id: string; secret: string });
    expect(a?.id).toBe('k.2027_01');
    expect(Object.keys(a ?? {}).sort()).toEqual(['id', 'secret']);
    expect(Buffer.from(a?.secret ?? '', 'base64url')).toHaveLength(32);
    expect(a?.secret).not.toBe(b?.secret);
    // Long enough for the local key provider (at least 32 characters).
    expect(a?.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('exits 2 on a bad --id, a missing or unknown action', async () => {
    for (const args of [
      ['keys', 'create', '--id', 'has space'],
      ['keys', 'create', '--id', ''],
      ['keys', 'create', '--id', 'x'.repeat(65)],
      ['keys'],
      ['keys', 'nope'],
    ]) {
      const run = bare();
      expect(await runCli(args, run.io)).toBe(2);
      expect(run.out()).toBe('');
    }
    const bad = bare();
    await runCli(['keys', 'create', '--id', 'a/b'], bad.io);
    expect(bad.err()).toContain('The --id "a/b" is not a valid key id.');
  });

  it('defaults to an id the config does not list yet: not the one init just wrote', async () => {
    // Loading init's config module loads its .env into this process: put it back after.
    const env = { ...process.env };
    onTestFinished(() => {
      for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
    });
    const run = bare();
    expect(await runCli(['init', '--json'], run.io)).toBe(0);
    const { keyId } = JSON.parse(run.out()) as { keyId: string };
    const created = captureIo(run.io.cwd);
    expect(await runCli(['keys', 'create', '--json'], created.io)).toBe(0);
    const { id } = JSON.parse(created.out()) as { id: string };
    expect(id).not.toBe(keyId);
    expect(id).toBe(`${keyId}-2`);
    expect(id).toMatch(/^[A-Za-z0-9._-]{1,64}$/);

    // Suffixes already taken are skipped too, in a --config file as well.
    const month = defaultKeyId(new Date());
    writeFileSync(
      join(run.io.cwd, 'rotated.config.json'),
      JSON.stringify({
        secrets: { encryptionKeys: [month, `${month}-2`, 'other'].map((k) => ({ id: k })) },
      }),
    );
    const again = captureIo(run.io.cwd);
    expect(
      await runCli(['keys', 'create', '--json', '--config', 'rotated.config.json'], again.io),
    ).toBe(0);
    expect((JSON.parse(again.out()) as { id: string }).id).toMatch(/-3$/);
  });

  it('picks the first free suffix of the month', () => {
    expect(unusedKeyId('2026-12', [])).toBe('2026-12');
    expect(unusedKeyId('2026-12', ['2026-11', '2026-12'])).toBe('2026-12-2');
    expect(unusedKeyId('2026-12', ['2026-12', '2026-12-2', '2026-12-3'])).toBe('2026-12-4');
  });

  it('defaults the id to the UTC year-month', () => {
    expect(defaultKeyId(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12');
    expect(defaultKeyId(new Date('2027-01-01T00:00:00Z'))).toBe('2027-01');
  });
});

describe('the built bin', () => {
  // Once for both tests that run dist/, and still when either runs alone (-t).
  beforeAll(() => ensureBuilt('@gdpr-mail/core', '@gdpr-mail/cli'), 180_000);

  it('runs as an executable', () => {
    const out = execFileSync(
      'node',
      [join(__dirname, '..', 'dist', 'bin.js'), 'records', '--format', 'md'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(out).toContain('Record of processing activities');
    const key = execFileSync(
      'node',
      [join(__dirname, '..', 'dist', 'bin.js'), 'keys', 'create', '--id', 'bin-1', '--json'],
      { cwd: mkdtempSync(join(tmpdir(), 'gdpr-mail-keys-bin-')), encoding: 'utf8' },
    );
    expect(JSON.parse(key)).toMatchObject({ id: 'bin-1', secret: expect.any(String) });
  }, 120_000);

  it('REQ-20: dsar due exits 1 while a request is due within --days, 0 otherwise (cron)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-dsar-bin-'));
    const config = testConfig();
    config.storage = { dir: join(folder, 'store') };
    const plain = JSON.parse(JSON.stringify(config)) as GdprMailConfig;
    writeFileSync(join(folder, 'gdpr-mail.config.json'), JSON.stringify(plain));
    // The bin runs on the wall clock: a request due three days from now.
    const gdpr = createGdprMail(plain);
    try {
      const { subjectId } = await gdpr.consent.record({
        email: 'camille@example.org',
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      const dueAt = new Date(Date.now() + 3 * 86_400_000);
      await gdpr.store.putDsarRequest(
        {
          id: randomUUID(),
          type: 'erasure',
          status: 'received',
          subjectId: subjectId!,
          receivedAt: new Date(dueAt.getTime() - 28 * 86_400_000),
          dueAt,
          sources: {},
          steps: [],
          version: 1,
        },
        0,
      );
    } finally {
      await gdpr.close();
    }
    const bin = (...args: string[]) =>
      spawnSync('node', [join(__dirname, '..', 'dist', 'bin.js'), 'dsar', 'due', ...args], {
        cwd: folder,
        encoding: 'utf8',
      });
    const due = bin('--days', '7');
    expect(due.stderr).toBe('');
    expect(due.status).toBe(1);
    expect(due.stdout).toMatch(/ erasure {8}received {11}\d{4}-\d{2}-\d{2} {2}3 days left\n/);
    const notYet = bin('--days', '2');
    expect(notYet.status).toBe(0);
    expect(notYet.stdout).toBe('No open data-subject request is overdue or due within 2 days.\n');
    // Three cold starts of the embedded PGlite store: the seeding one and two runs.
  }, 120_000);
});

describe('gdpr-mail keys status / rewrap and erasures replay (REQ-34)', () => {
  it('counts data keys per key-encryption key, rewraps them under a new first key, and replays the journal', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gdpr-mail-rotate-'));
    const base = testConfig();
    base.storage = { dir: join(folder, 'store') };
    writeFileSync(join(folder, 'gdpr-mail.config.json'), JSON.stringify(base));
    writeFileSync(join(folder, 'list.csv'), 'email\na@example.org\nb@example.org\nc@example.org\n');
    const run = () => {
      const r = io();
      r.io.cwd = folder;
      return r;
    };
    const imported = run();
    const importArgs = ['import', 'list.csv', '--list', 'L', '--source', 'S', '--basis', 'consent'];
    expect(await runCli([...importArgs, '--purpose', 'newsletter'], imported.io)).toBe(0);

    const before = run();
    expect(await runCli(['keys', 'status', '--json'], before.io)).toBe(0);
    expect(JSON.parse(before.out())).toMatchObject({
      provider: 'local',
      current: 'pepper',
      wrapsByKey: { pepper: 3 },
      unencrypted: 0,
    });

    // Rotation: a new key first in the list, then an online rewrap.
    const rotated = {
      ...base,
      secrets: {
        ...base.secrets,
        encryptionKeys: [{ id: '2027-01', secret: 'rotated-kek-secret-0123456789-abcdefghij' }],
      },
    };
    writeFileSync(join(folder, 'rotated.config.json'), JSON.stringify(rotated));
    const rewrap = run();
    expect(
      await runCli(
        ['keys', 'rewrap', '--config', 'rotated.config.json', '--batch-size', '2', '--json'],
        rewrap.io,
      ),
    ).toBe(0);
    expect(JSON.parse(rewrap.out())).toEqual({ scanned: 3, rewrapped: 3, skipped: 0 });
    expect(rewrap.err()).toContain('rewrapped');
    const after = run();
    expect(await runCli(['keys', 'status', '--config', 'rotated.config.json'], after.io)).toBe(0);
    expect(after.out()).toContain('2027-01 (current): 3 data keys');
    expect(after.out()).toContain('pepper: 0 data keys');

    const replay = run();
    expect(
      await runCli(['erasures', 'replay', '--config', 'rotated.config.json', '--json'], replay.io),
    ).toBe(0);
    expect(JSON.parse(replay.out())).toEqual({ entries: 0, erased: 0, suppressionsRestored: 0 });
    expect(await runCli(['erasures', 'nope', '--config', 'rotated.config.json'], run().io)).toBe(2);
    expect(await runCli(['keys', 'rewrap', '--batch-size', '0'], run().io)).toBe(2);
  }, 60_000);
});

describe('gdpr-mail init (issue #21)', () => {
  it('writes a config skeleton and a .env of three fresh secrets that the CLI then runs with, and overwrites nothing without --force', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gdpr-mail-init-'));
    const run = () => {
      const r = io();
      r.io.cwd = folder;
      return r;
    };
    const first = run();
    expect(await runCli(['init'], first.io)).toBe(0);
    expect(first.out()).toContain('gdpr-mail.config.mjs');
    const env = readFileSync(join(folder, '.env'), 'utf8');
    const secrets = [...env.matchAll(/^GDPR_MAIL_[A-Z_]+=([A-Za-z0-9_-]+)$/gm)].map((m) => m[1]);
    expect(secrets).toHaveLength(3);
    expect(new Set(secrets).size).toBe(3);
    for (const s of secrets) expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(folder, '.env')).mode & 0o777).toBe(0o600);

    // The config runs as written, its secrets read from the .env beside it.
    const records = run();
    const saved = {
      pepper: process.env.GDPR_MAIL_PEPPER,
      token: process.env.GDPR_MAIL_TOKEN_KEY,
      kek: process.env.GDPR_MAIL_ENCRYPTION_KEY,
    };
    try {
      expect(await runCli(['records', '--format', 'json'], records.io)).toBe(0);
      expect(JSON.parse(records.out())).toBeTruthy();
    } finally {
      for (const [name, value] of [
        ['GDPR_MAIL_PEPPER', saved.pepper],
        ['GDPR_MAIL_TOKEN_KEY', saved.token],
        ['GDPR_MAIL_ENCRYPTION_KEY', saved.kek],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }

    const again = run();
    expect(await runCli(['init'], again.io)).toBe(1);
    expect(again.err()).toContain('already exist');
    expect(readFileSync(join(folder, '.env'), 'utf8')).toBe(env);
    expect(await runCli(['init', '--force', '--json'], run().io)).toBe(0);
    expect(readFileSync(join(folder, '.env'), 'utf8')).not.toBe(env);
  });
});
