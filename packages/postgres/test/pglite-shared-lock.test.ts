import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubjectRecord } from '@gdpr-mail/core';
import type { PgliteLike, PgliteQueryable } from '@gdpr-mail/postgres';
import { createPgliteStore, pgliteDatabase } from '@gdpr-mail/postgres';
import { describe, expect, it } from 'vitest';

const at = new Date('2026-01-01T00:00:00Z');
const subject = (id: string): SubjectRecord => ({
  id,
  emailHash: id.padEnd(64, '0'),
  email: `${id}@example.test`,
  createdAt: at,
  updatedAt: at,
  profile: {},
});
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Store A opens a transaction and, while it is open, store B (same folder,
 * hence same instance) writes; then A rolls back. B's write must not have run
 * inside A's transaction: it waits for it and survives the rollback.
 */
async function rollbackWhileOtherStoreWrites(worker: boolean) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gdpr-mail-pglite-shared-'));
  const a = await createPgliteStore({ dataDir, worker });
  const b = await createPgliteStore({ dataDir, worker });
  try {
    let writeB: Promise<unknown> | undefined;
    const rolledBack = a
      .transaction(async (tx) => {
        await tx.createSubject(subject('from-a'));
        writeB = b.createSubject(subject('from-b'));
        // Before the fix B's write ran at once, inside A's open transaction: give
        // it the time to, then roll back. With one lock it is still waiting.
        await Promise.race([writeB, sleep(200)]);
        throw new Error('roll A back');
      })
      .catch((error: unknown) => error);
    expect(await rolledBack).toMatchObject({ message: 'roll A back' });
    await writeB;
    expect(await b.getSubject('from-a')).toBeUndefined();
    expect(await b.getSubject('from-b')).toMatchObject({ id: 'from-b' });
  } finally {
    await a.close();
    await b.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('stores sharing one PGlite instance', () => {
  // Two stores on a folder: opening PGlite takes seconds, more on a busy machine.
  it('on a worker thread: a write from another store survives a rollback', async () => {
    await rollbackWhileOtherStoreWrites(true);
  }, 120_000);

  it('on this thread: a write from another store survives a rollback', async () => {
    await rollbackWhileOtherStoreWrites(false);
  }, 120_000);

  it('serialise statements of every database over one instance through one lock', async () => {
    // A transaction as plain statements, the way the worker runs one: nothing
    // but the store's lock keeps another statement out of it.
    const log: string[] = [];
    const target: PgliteQueryable = {
      async query(sql) {
        log.push(sql);
        await sleep(1);
        return { rows: [] };
      },
      async exec(sql) {
        log.push(sql);
        await sleep(1);
      },
    };
    const db: PgliteLike = {
      ...target,
      async transaction(work) {
        await target.exec('BEGIN');
        const result = await work(target);
        await target.exec('COMMIT');
        return result;
      },
      close: async () => {},
    };
    const first = pgliteDatabase(db, async () => {});
    const second = pgliteDatabase(db, async () => {});
    await Promise.all([
      first.transaction(async (tx) => {
        await tx.exec('one');
        await sleep(20);
        await tx.exec('two');
      }),
      (async () => {
        await sleep(5);
        await second.exec('other');
      })(),
    ]);
    expect(log).toEqual(['BEGIN', 'one', 'two', 'COMMIT', 'other']);
  });
});
