import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { runPgliteSuites } from './pglite-suites.js';

// Opening PGlite takes a while: one instance for the file, a schema per test.
const db = await PGlite.create();
afterAll(() => db.close());

runPgliteSuites('pglite', db);

describe('PGlite store on disk', () => {
  it('keeps its data across close and reopen of the folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gdpr-mail-pglite-'));
    try {
      const first = await createPgliteStore({ dataDir });
      await first.addSuppression({
        hash: 'a'.repeat(64),
        reason: 'manual',
        at: new Date(0),
        source: 't',
      });
      await first.close();
      const second = await createPgliteStore({ dataDir });
      expect(await second.getSuppression('a'.repeat(64))).toMatchObject({ reason: 'manual' });
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
