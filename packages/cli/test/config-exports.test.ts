import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import {
  type ContactImportOptions,
  createGdprMail,
  type GdprMail,
  type GdprMailConfig,
} from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import { importCommand } from '../src/commands/import-command.js';
import { captureIo } from './capture-io.js';

/** A folder with its own embedded store and a config module written from `config`. */
function folder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = testConfig();
  config.storage = { dir: join(dir, 'store') };
  const plain = JSON.parse(JSON.stringify(config)) as GdprMailConfig;
  const run = () => captureIo(dir);
  return { dir, plain, run };
}

// Every command and check below cold-starts the embedded PGlite store.
describe('gdpr-mail retention sweep with the app’s sources', { timeout: 120_000 }, () => {
  it('REQ-27: erases the app’s data through the config module’s retentionSources export', async () => {
    const { dir, plain, run } = folder('gdpr-mail-cli-retention-');
    const erasedLog = join(dir, 'erased.log');
    writeFileSync(
      join(dir, 'gdpr-mail.config.mjs'),
      `import { appendFileSync } from 'node:fs';
export default ${JSON.stringify(plain)};
export const retentionSources = async () => [
  { name: 'orders', async erase(subjectId) { appendFileSync(${JSON.stringify(erasedLog)}, subjectId + '\\n'); } },
];
`,
    );
    // Someone who gave no consent, on record since 2020: long past `retention.unlinkedFor`.
    const past = createGdprMail({ ...plain, clock: () => new Date('2020-01-01T00:00:00.000Z') });
    const subject = await past.subjects.upsert('former@example.org');
    await past.close();

    const sweep = run();
    expect(await runCli(['retention', 'sweep', '--json'], sweep.io)).toBe(0);
    expect(JSON.parse(sweep.out())).toMatchObject({ deleted: 1, failed: 0 });
    expect(readFileSync(erasedLog, 'utf8')).toBe(`${subject.id}\n`);

    const after = createGdprMail(plain);
    try {
      expect(await after.subjects.get('former@example.org')).toBeUndefined();
    } finally {
      await after.close();
    }
  });

  it('refuses a retentionSources export that is not a list of { name, erase } (exit 3)', async () => {
    const { dir, plain, run } = folder('gdpr-mail-cli-retention-bad-');
    writeFileSync(
      join(dir, 'gdpr-mail.config.mjs'),
      `export default ${JSON.stringify(plain)};\nexport const retentionSources = [{ name: 'orders' }];\n`,
    );
    const bad = run();
    expect(await runCli(['retention', 'sweep'], bad.io)).toBe(3);
    expect(bad.err()).toContain('retentionSources');
    expect(existsSync(join(dir, 'erased.log'))).toBe(false);
  });
});

describe('gdpr-mail import defaults', () => {
  /** A facade that keeps the options `contacts.import` is called with. */
  function recordingGdpr() {
    const calls: ContactImportOptions[] = [];
    const gdpr = {
      contacts: {
        async import(_source: unknown, options: ContactImportOptions) {
          calls.push(options);
          return { rows: 0 };
        },
      },
    } as unknown as GdprMail;
    return { gdpr, calls };
  }

  it('SEED-01: passes --batch-size only when given, so the store picks its own, and audits as actor cli', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-import-'));
    writeFileSync(join(dir, 'list.csv'), 'email\nann@example.org\n');
    const options = { list: 'L', source: 'S', basis: 'consent', json: true };
    const { gdpr, calls } = recordingGdpr();

    expect(await importCommand(gdpr, 'list.csv', options, captureIo(dir).io)).toBe(0);
    expect(calls[0]).not.toHaveProperty('batchSize');
    expect(calls[0]?.actor).toBe('cli');

    const given = { ...options, 'batch-size': '250' };
    expect(await importCommand(gdpr, 'list.csv', given, captureIo(dir).io)).toBe(0);
    expect(calls[1]?.batchSize).toBe(250);

    await expect(
      importCommand(gdpr, 'list.csv', { ...options, 'batch-size': '0' }, captureIo(dir).io),
    ).rejects.toThrow('--batch-size');
    expect(calls).toHaveLength(2);
  });

  it('lists --batch-size under import in the usage text', async () => {
    const help = captureIo(tmpdir());
    expect(await runCli(['--help'], help.io)).toBe(0);
    const importSection = help.out().split('\n  import <file>')[1]?.split('\n  breach')[0] ?? '';
    expect(importSection).toContain('--batch-size <n>');
  });
});
