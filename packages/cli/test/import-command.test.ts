import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import { testConfig } from '@gdpr-mail/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';

// docs/import.md "From the command line": usage mistakes exit 2 with a message, typed
// refusals exit 1, never a stack trace.

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-cli-import-'));
  const config = testConfig();
  config.storage = { dir: join(dir, 'store') };
  writeFileSync(join(dir, 'gdpr-mail.config.json'), JSON.stringify(config));
  mkdirSync(join(dir, 'exports.csv'));
});

describe('gdpr-mail import', () => {
  it('a folder given as the file is a usage error (exit 2), not an EISDIR stack trace', async () => {
    const run = captureIo(dir);
    const args = ['import', 'exports.csv', '--list', 'L', '--source', 'S', '--basis', 'consent'];
    expect(await runCli(args, run.io)).toBe(2);
    expect(run.err()).toContain('Not a file: exports.csv');
  });
});

describe('gdpr-mail import output', () => {
  it('names samples by line, never by address; --email-column reads another header', async () => {
    writeFileSync(
      join(dir, 'crm.csv'),
      'E-mail,language\nvalid.person@example.org,fr\nnot-an-address,nl\nother.person@example.org,zz9\n',
    );
    const base = ['import', 'crm.csv', '--source', 'CRM', '--basis', 'consent'];
    const wrongHeader = captureIo(dir);
    // Without the column named, nothing is imported and nothing is written (exit 1, typed).
    expect(await runCli([...base, '--list', 'CRM-1'], wrongHeader.io)).toBe(1);
    expect(wrongHeader.err()).toContain('has no "email" column');
    expect(wrongHeader.err()).not.toContain('@example.org');

    const run = captureIo(dir);
    expect(await runCli([...base, '--list', 'CRM-2', '--email-column', 'E-mail'], run.io)).toBe(0);
    const out = run.out();
    expect(out).toMatch(/created\s+2/);
    expect(out).toContain('rejected  line 3: invalid-email');
    expect(out).toContain('unknown language  line 4');
    for (const value of ['valid.person', 'other.person', 'not-an-address', 'zz9']) {
      expect(out).not.toContain(value);
    }
  });
});
