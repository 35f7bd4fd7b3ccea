import { createGdprMail, InMemoryTransport } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres } from './helpers.js';

const postgres = await requirePostgres();

postgres.describe('prepared statements on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** Sends one message on a pool of one connection; the session's prepared statements. */
  async function preparedAfterASend(options: { preparedStatements?: boolean }) {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    const schema = freshSchema();
    cleanups.push(async () => {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    });
    const store = await createPostgresStore({ pool, schema, ...options });
    const transport = new InMemoryTransport();
    const gdpr = createGdprMail(
      testConfig({ store, transport, mailer: { from: { address: 'news@acme.test' } } }),
    );
    const { token } = await gdpr.optIn.request('ada@example.com', ['newsletter'], checkboxEvidence);
    await gdpr.optIn.confirm(token);
    // Twice: the second send finds every statement already prepared on the connection.
    for (const subject of ['One', 'Two']) {
      const { outcomes } = await gdpr.mailer.sendMany([
        { to: 'ada@example.com', purposeId: 'newsletter', subject, text: 'Hello' },
      ]);
      expect(outcomes[0]?.status).toBe('sent');
    }
    await gdpr.close();
    const { rows } = await pool.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements',
    );
    return { rows, schema, sent: transport.sent };
  }

  it('keeps the statements every send runs prepared on the connection, by default', async () => {
    const { rows, schema, sent } = await preparedAfterASend({});
    expect(sent).toHaveLength(2);
    const ours = rows.filter((row) => row.name.startsWith('gdpr_mail_'));
    // The send path: policy reads, claim, start, outcome, audit head and log.
    expect(ours.length).toBeGreaterThanOrEqual(8);
    for (const row of ours) expect(row.statement).toContain(`"${schema}"`);
    expect(
      ours.some(
        (row) => row.statement.includes('INSERT INTO') && row.statement.includes('.deliveries'),
      ),
    ).toBe(true);
  });

  it('prepares nothing with preparedStatements: false (PgBouncer in transaction mode)', async () => {
    const { rows, sent } = await preparedAfterASend({ preparedStatements: false });
    expect(sent).toHaveLength(2);
    expect(rows.filter((row) => row.name.startsWith('gdpr_mail_'))).toEqual([]);
  });
});
