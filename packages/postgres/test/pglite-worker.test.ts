import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isGdprMailError } from '@gdpr-mail/core';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../tests/support/ensure-built.js';
import { openPgliteWorker } from '../src/pglite-worker.js';
import { freshSchema } from './helpers.js';
import { runPgliteSuites } from './pglite-suites.js';

// One worker-thread PGlite for the file, a schema per test, as pglite-store.test.ts does
// for the same-thread one: every store contract must hold across the thread as well.
const db = await openPgliteWorker(undefined);
afterAll(() => db.close());

runPgliteSuites('pglite on a worker thread', db);

describe('PGlite on a worker thread', () => {
  it('keeps a database error’s SQLSTATE across the thread, as the store maps it', async () => {
    await expect(db.query('SELECT 1 / 0')).rejects.toMatchObject({
      code: '22012',
      message: expect.stringContaining('division by zero'),
    });
  });

  it('refuses a parameter that cannot cross the thread with STORE_FAILURE, and keeps working', async () => {
    const refused = await db.query('SELECT $1::text', [() => 'x']).catch((error: unknown) => error);
    expect(isGdprMailError(refused, 'STORE_FAILURE')).toBe(true);
    expect((await db.query('SELECT $1::text AS v', ['ok'])).rows).toEqual([{ v: 'ok' }]);
  });

  it('rolls a transaction back when its work throws, and commits when it returns', async () => {
    const schema = freshSchema();
    await db.exec(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".t (n int)`);
    try {
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO "${schema}".t VALUES ($1)`, [1]);
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      await db.transaction((tx) => tx.query(`INSERT INTO "${schema}".t VALUES ($1)`, [2]));
      expect((await db.query(`SELECT n FROM "${schema}".t`)).rows).toEqual([{ n: 2 }]);
    } finally {
      await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  it('persists a folder across close and reopen, and refuses use once closed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gdpr-mail-pglite-worker-'));
    try {
      const first = await createPgliteStore({ dataDir, worker: true });
      await first.addSuppression({
        hash: 'b'.repeat(64),
        reason: 'manual',
        at: new Date(0),
        source: 't',
      });
      await first.close();
      const refused = await first.getSuppression('b'.repeat(64)).catch((error: unknown) => error);
      expect(isGdprMailError(refused, 'STORE_FAILURE')).toBe(true);

      const second = await createPgliteStore({ dataDir, worker: true });
      expect(await second.getSuppression('b'.repeat(64))).toMatchObject({ reason: 'manual' });
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  // From the built package, both formats: the CJS build finds PGlite through the
  // import.meta.url shim, and an idle worker lets the process end without close().
  it.each(['esm', 'cjs'])(
    'runs from the %s build and does not hold the process open',
    async (format) => {
      ensureBuilt('@gdpr-mail/core', '@gdpr-mail/postgres');
      const child = join(__dirname, 'fixtures', 'idle-worker-child.mjs');
      const { stdout } = await promisify(execFile)(process.execPath, [child, format], {
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('read');
    },
    120_000,
  );
});
