import { PGlite } from '@electric-sql/pglite';
import type { GdprStore } from '@gdpr-mail/core';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');

/** 50 signups of one address at once, all in the same millisecond (a frozen clock). */
async function race(store: GdprStore) {
  const gdpr = createGdprMail(
    testConfig({
      store,
      clock: () => T0,
      doubleOptIn: { defaultLocale: 'en', maxRequestsPerDay: 5 },
    }),
  );
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () =>
      gdpr.optIn.request('race@example.com', ['newsletter'], checkboxEvidence),
    ),
  );
  const issued = results.filter((r) => r.status === 'fulfilled').length;
  const limited = results.filter(
    (r) => r.status === 'rejected' && isGdprMailError(r.reason, 'RATE_LIMITED'),
  ).length;
  return { issued, limited, close: () => gdpr.close() };
}

describe('#19 finding 5: the confirmation-mail cap holds under concurrency, SQL stores', () => {
  it('REQ-16: on PGlite, 50 parallel signups of one address issue exactly maxRequestsPerDay links', async () => {
    const db = new PGlite();
    const outcome = await race(await createPgliteStore({ db, schema: 'gdpr_mail' }));
    expect(outcome).toMatchObject({ issued: 5, limited: 45 });
    await outcome.close();
    await db.close();
  });
});

const postgres = await requirePostgres();

postgres.describe('#19 finding 5: the confirmation-mail cap, PostgreSQL', () => {
  it('REQ-16: on PostgreSQL (a pool of 8 connections), 50 parallel signups issue exactly maxRequestsPerDay links', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 8 });
    const schema = freshSchema();
    try {
      const outcome = await race(await createPostgresStore({ pool, schema }));
      expect(outcome).toMatchObject({ issued: 5, limited: 45 });
      await outcome.close();
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
