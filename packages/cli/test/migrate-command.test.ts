import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import { migrateCommand } from '../src/commands/migrate-command.js';
import { captureIo } from './capture-io.js';

describe('gdpr-mail migrate', () => {
  // A SQL store carries its schema (`createPostgresStore({ pool, schema })`); core wraps every
  // store in its encrypting layer, which the command used to read it from, so it never said.
  it('names the schema of the configured store', async () => {
    const store = Object.assign(new MemoryStore(), { schema: 'tenant_a' });
    const gdpr = createGdprMail({ ...testConfig(), store });
    try {
      const json = captureIo(mkdtempSync(join(tmpdir(), 'gdpr-mail-migrate-')));
      expect(await migrateCommand(gdpr, true, json.io)).toBe(0);
      expect(JSON.parse(json.out())).toEqual({
        store: 'memory',
        schema: 'tenant_a',
        migrated: true,
      });
      const text = captureIo(json.io.cwd);
      expect(await migrateCommand(gdpr, false, text.io)).toBe(0);
      expect(text.out()).toBe('Store memory (schema tenant_a) is up to date.\n');
    } finally {
      await gdpr.close();
    }
  });
});
