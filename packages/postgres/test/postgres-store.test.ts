import { runStoreConformance } from '@gdpr-mail/core/testing';
import { createPostgresStore, MIGRATIONS, pgDatabase, runMigrations } from '@gdpr-mail/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, requirePostgres, schemaOf, sqlAuditTamper } from './helpers.js';
import { runSqlStoreSuite } from './sql-store-suite.js';

const postgres = await requirePostgres();

postgres.describe('PostgreSQL store', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 });
  });
  afterAll(() => pool.end());

  runStoreConformance('postgres', () => createPostgresStore({ pool, schema: freshSchema() }), {
    teardown: async (store) => {
      await store.close();
      await pool.query(`DROP SCHEMA "${schemaOf(store)}" CASCADE`);
    },
    auditTamper: sqlAuditTamper((sql) => pool.query(sql)),
  });

  runSqlStoreSuite('postgres', {
    database: () => pgDatabase(pool),
    exec: (sql) => pool.query(sql),
    makeStore: (schema) => createPostgresStore({ pool, schema }),
  });

  it('ends with one schema when two processes migrate at once', async () => {
    const schema = freshSchema();
    // Two pools stand for two processes: separate connections, no shared state.
    const pools = [1, 2].map(() => new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }));
    try {
      const results = await Promise.all(
        pools.flatMap((p) => [
          runMigrations(pgDatabase(p), schema),
          runMigrations(pgDatabase(p), schema),
        ]),
      );
      const versions = MIGRATIONS.map((m) => m.version);
      // Each version applied exactly once, by whichever run got the lock first.
      const applied = results.flatMap((r) => r.applied).sort((a, b) => a - b);
      expect(applied).toEqual(versions);
      const { rows } = await pool.query(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => Number(r.version))).toEqual(versions);
      const store = await createPostgresStore({ pool, schema, migrate: false });
      expect(await store.getAuditHead()).toBeUndefined();
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});
