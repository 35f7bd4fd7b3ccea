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
