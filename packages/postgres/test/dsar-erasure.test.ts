import { PGlite } from '@electric-sql/pglite';
import type { DsarDataSource, GdprMail, GdprStore } from '@gdpr-mail/core';
import { createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { createPgliteStore, createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

// REQ-25 acceptance: a person seeded across the SDK's tables and two of the app's
// is erased; then every row of every table, and the audit log, is scanned as text
// for the address, the name and the phone number. Only the keyed hash may remain.
const person = {
  email: 'camille.dupont@example.org',
  name: 'Camille Dupont',
  phone: '+33 6 12 34 56 78',
};

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

function appSources(query: Query, schema: string): DsarDataSource[] {
  return [
    {
      name: 'contacts',
      async *export({ email }) {
        const { rows } = await query(
          `SELECT name, phone FROM "${schema}".app_contacts WHERE email = $1`,
          [email],
        );
        yield* rows;
      },
      async erase({ email }) {
        return (
          await query(`DELETE FROM "${schema}".app_contacts WHERE email = $1 RETURNING 1`, [email])
        ).rows.length;
      },
    },
    {
      name: 'orders',
      async erase({ email }) {
        return (
          await query(`DELETE FROM "${schema}".app_orders WHERE customer_email = $1 RETURNING 1`, [
            email,
          ])
        ).rows.length;
      },
    },
  ];
}

async function seedAndErase(
  gdpr: GdprMail,
  transport: InMemoryTransport,
  query: Query,
  schema: string,
) {
  await query(`CREATE TABLE "${schema}".app_contacts (email text, name text, phone text)`);
  await query(
    `CREATE TABLE "${schema}".app_orders (id serial, customer_email text, shipping_name text)`,
  );
  await query(`INSERT INTO "${schema}".app_contacts VALUES ($1, $2, $3)`, [
    person.email,
    person.name,
    person.phone,
  ]);
  await query(
    `INSERT INTO "${schema}".app_orders (customer_email, shipping_name) VALUES ($1, $2)`,
    [person.email, person.name],
  );
  for (const source of appSources(query, schema)) gdpr.dsar.registerSource(source);

  await gdpr.consent.record({
    email: person.email,
    purposes: ['newsletter'],
    evidence: checkboxEvidence,
  });
  await gdpr.optIn.request(person.email, ['partners'], checkboxEvidence);
  await gdpr.subjects.upsert(person.email, { country: 'FR', language: 'fr' });
  await gdpr.mailer.send({
    to: person.email,
    purposeId: 'newsletter',
    subject: 'News',
    text: 'Hello',
  });
  // The scanner must see the person before the erasure, or its silence proves nothing.
  expect((await scan(query, schema)).hits.length).toBeGreaterThan(0);
  await gdpr.dsar.request({ email: person.email, type: 'erasure' });
  const mail = transport.sentTo(person.email).at(-1)!.message.text!;
  const token = /\/dsar\/verify\/(\S+)/.exec(mail)![1]!;
  const request = await gdpr.dsar.verify(token);
  const certificate = await gdpr.dsar.erase(request.id);
  expect(certificate.sources).toMatchObject({
    contacts: { status: 'erased', count: 1 },
    orders: { status: 'erased', count: 1 },
  });
}

async function scan(query: Query, schema: string): Promise<{ tables: number; hits: string[] }> {
  const { rows } = await query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schema],
  );
  const hits: string[] = [];
  for (const { table_name } of rows) {
    const dump = await query(`SELECT t::text AS row FROM "${schema}"."${String(table_name)}" t`);
    for (const { row } of dump.rows) {
      const text = String(row).toLowerCase();
      for (const needle of [person.email, person.name, person.phone, 'camille', '612345678']) {
        if (text.includes(needle.toLowerCase())) hits.push(`${String(table_name)}: ${needle}`);
      }
    }
  }
  return { tables: rows.length, hits };
}

function config(store: GdprStore, transport: InMemoryTransport) {
  return testConfig({
    store,
    transport,
    mailer: {
      from: { address: 'news@acme.test' },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    },
  });
}

describe('erasure leaves no readable trace (REQ-25)', () => {
  it('on PGlite', async () => {
    const db = new PGlite();
    const schema = 'gdpr_mail';
    const store = await createPgliteStore({ db, schema });
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(config(store, transport));
    const query: Query = (sql, params) => db.query(sql, params) as never;
    await seedAndErase(gdpr, transport, query, schema);
    const { tables, hits } = await scan(query, schema);
    expect(tables).toBeGreaterThanOrEqual(10);
    expect(hits).toEqual([]);
    const { rows } = await query(
      `SELECT count(*)::int AS n FROM "${schema}".suppression WHERE reason = 'erased'`,
    );
    expect(rows[0]!.n).toBe(1);
    await gdpr.close();
    await db.close();
  });
});

const postgres = await requirePostgres();

postgres.describe('erasure leaves no readable trace (REQ-25), PostgreSQL', () => {
  it('on PostgreSQL', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    const schema = freshSchema();
    try {
      const store = await createPostgresStore({ pool, schema });
      const transport = new InMemoryTransport();
      const gdpr = createGdprMail(config(store, transport));
      const query: Query = (sql, params) => pool.query(sql, params);
      await seedAndErase(gdpr, transport, query, schema);
      const { tables, hits } = await scan(query, schema);
      expect(tables).toBeGreaterThanOrEqual(10);
      expect(hits).toEqual([]);
      await gdpr.close();
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
