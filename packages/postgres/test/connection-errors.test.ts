import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import type { PgliteLike } from '@gdpr-mail/postgres';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

/** A local port nothing listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function expectStoreFailure(error: unknown) {
  expect(isGdprMailError(error) && error.code).toBe('STORE_FAILURE');
}

// docs/postgres.md, "Transactions and concurrency": database errors other than conflicts
// become STORE_FAILURE (HTTP 503). A transaction that cannot even get a connection was a
// raw `Error: connect ECONNREFUSED` (HTTP 500), while a single read of the same store
// gave STORE_FAILURE.
describe('a database that cannot be reached', () => {
  it('fails transactions, audience pages and SDK writes with STORE_FAILURE, as single reads', async () => {
    const pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      connectionTimeoutMillis: 2000,
    });
    try {
      const store = await createPostgresStore({ pool, migrate: false });
      expectStoreFailure(await failure(() => store.getSubject('someone')));
      expectStoreFailure(await failure(() => store.transaction((tx) => tx.getSubject('x'))));
      // An audience page with consent runs in a transaction of its own (jit off).
      expectStoreFailure(
        await failure(() =>
          store.listAudienceCandidates({
            purposeId: 'newsletter',
            consentRequired: true,
            limit: 5,
          }),
        ),
      );
      const gdpr = createGdprMail(testConfig({ store }));
      expectStoreFailure(
        await failure(() =>
          gdpr.consent.record({
            email: 'unreachable@example.org',
            purposes: ['newsletter'],
            evidence: checkboxEvidence,
          }),
        ),
      );
      // No address in what the caller gets to log.
      const error = await failure(() =>
        gdpr.consent.record({
          email: 'unreachable@example.org',
          purposes: ['newsletter'],
          evidence: checkboxEvidence,
        }),
      );
      expect(String((error as Error).message)).not.toContain('unreachable@');
    } finally {
      await pool.end();
    }
  });

  it('fails a transaction on a closed PGlite with STORE_FAILURE; the caller’s own error passes through', async () => {
    const db = new PGlite();
    const store = await createPgliteStore({ db: db as unknown as PgliteLike });
    const own = new TypeError('the caller’s own');
    await expect(
      store.transaction(async () => {
        throw own;
      }),
    ).rejects.toBe(own);
    await db.close();
    expectStoreFailure(await failure(() => store.getSubject('someone')));
    expectStoreFailure(await failure(() => store.transaction((tx) => tx.getSubject('x'))));
  });
});
