import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { createSqlStore, pgDatabase, runMigrations } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

// docs/import.md: "two importers of the same people at once create each contact once and
// lose no list" (SEED-01), here for people already on record: each batch reads a contact
// and writes its whole profile back, so the read must hold the row until the commit.

const postgres = await requirePostgres();

postgres.describe('two importers merging into the same known contacts (SEED-01)', () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 6 });
  const schema = freshSchema();
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('keeps both lists on every contact', async () => {
    const db = pgDatabase(pool);
    await runMigrations(db, schema);
    const store = createSqlStore(db, { kind: 'postgres', schema });
    const people = 900;
    let csv = 'email,customer_no\n';
    for (let i = 0; i < people; i += 1) csv += `p${i}@example.org,C-${i}\n`;
    async function* chunks() {
      yield csv;
    }
    const options = (list: string, key?: string) => ({
      list,
      source: `export ${list}`,
      basis: 'consent' as const,
      purposes: ['newsletter'],
      batchSize: 100,
      ...(key ? { key } : {}),
    });
    const a = createGdprMail(testConfig({ store }));
    const b = createGdprMail(testConfig({ store }));
    await a.contacts.import(chunks(), options('L0', 'customer_no'));
    // By address, then by customer number (the other read of a known contact).
    for (const key of [undefined, 'customer_no']) {
      const [la, lb] = [`A-${key ?? 'email'}`, `B-${key ?? 'email'}`];
      const reports = await Promise.all([
        a.contacts.import(chunks(), options(la, key)),
        b.contacts.import(chunks(), options(lb, key)),
      ]);
      for (const report of reports) expect(report.merged).toBe(people);
      let missing = 0;
      for (let i = 0; i < people; i += 1) {
        const segments = (await a.subjects.get(`p${i}@example.org`))?.profile.contact?.segments;
        if (!segments?.includes(la) || !segments.includes(lb)) missing += 1;
      }
      expect(missing).toBe(0);
    }
    expect(await a.audit.verify()).toMatchObject({ ok: true });
  }, 120_000);
});
