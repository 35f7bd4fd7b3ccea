import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { describe, expect, it } from 'vitest';

const entry = (hash: string) => ({ hash, reason: 'manual' as const, at: new Date(0), source: 't' });

// docs/postgres.md: stores on one folder share one instance, closed with the last of
// them. A store opened while the last one was closing was handed the instance being
// closed: its migrations failed with "PGlite is closed", and closing it closed that
// instance a second time (an uncaught error that ended the process).
describe('a PGlite folder opened while its last store closes', () => {
  it('waits for the close, then opens the folder again, with the data kept', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gdpr-mail-pglite-reopen-'));
    try {
      const first = await createPgliteStore({ dataDir });
      await first.addSuppression(entry('a'.repeat(64)));
      const closing = first.close();
      const second = await createPgliteStore({ dataDir });
      await closing;
      expect(await second.getSuppression('a'.repeat(64))).toMatchObject({ reason: 'manual' });
      await second.addSuppression(entry('b'.repeat(64)));
      await second.close();
      const third = await createPgliteStore({ dataDir });
      expect(await third.getSuppression('b'.repeat(64))).toMatchObject({ reason: 'manual' });
      await third.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
