import { runStoreConformance } from '@gdpr-mail/core/testing';
import { createPgliteStore, type PgliteLike, pgliteDatabase } from '@gdpr-mail/postgres';
import { freshSchema, schemaOf, sqlAuditTamper } from './helpers.js';
import { runSqlStoreSuite } from './sql-store-suite.js';

/**
 * The store conformance suite and the SQL store suite on one open PGlite (opening
 * one takes a while), a schema per test: same-thread and worker-thread alike.
 */
export function runPgliteSuites(name: string, db: PgliteLike): void {
  runStoreConformance(name, () => createPgliteStore({ db, schema: freshSchema() }), {
    teardown: async (store) => {
      await store.close();
      await db.exec(`DROP SCHEMA "${schemaOf(store)}" CASCADE`);
    },
    auditTamper: sqlAuditTamper((sql) => db.exec(sql)),
  });

  runSqlStoreSuite(name, {
    database: () => pgliteDatabase(db, async () => {}),
    exec: (sql) => db.exec(sql),
    makeStore: (schema) => createPgliteStore({ db, schema }),
  });
}
