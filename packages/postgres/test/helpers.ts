import { randomUUID } from 'node:crypto';
import type { GdprStore } from '@gdpr-mail/core';
import type { AuditTamper } from '@gdpr-mail/core/testing';
import { requireService } from '@gdpr-mail/core/testing';
import type { PostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own per store: tests run side by side and drop it afterwards. */
export function freshSchema(): string {
  return `gm_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export function schemaOf(store: GdprStore): string {
  return (store as PostgresStore).schema;
}

/**
 * Edits audit rows with SQL, past the append-only trigger, as a superuser
 * could (`session_replication_role = replica` disables triggers).
 */
export function sqlAuditTamper(exec: (sql: string) => Promise<unknown>) {
  return (store: GdprStore): AuditTamper => {
    const log = `"${schemaOf(store)}".audit_log`;
    const asSuperuser = async (sql: string) => {
      await exec(`BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT;`);
    };
    return {
      alter: (seq) => asSuperuser(`UPDATE ${log} SET reason = 'rewritten' WHERE seq = ${seq}`),
      remove: (seq) => asSuperuser(`DELETE FROM ${log} WHERE seq = ${seq}`),
      swap: (a, b) =>
        asSuperuser(
          `UPDATE ${log} SET seq = -1 WHERE seq = ${a}; UPDATE ${log} SET seq = ${a} WHERE seq = ${b}; UPDATE ${log} SET seq = ${b} WHERE seq = -1`,
        ),
    };
  };
}

/** Probes the machine's PostgreSQL once: skip locally when absent, fail under GDPR_MAIL_REQUIRE_SERVICES=1. */
export function requirePostgres() {
  return requireService('PostgreSQL at 127.0.0.1:5432 (database test)', async () => {
    const probe = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await probe.query('SELECT 1');
    } finally {
      await probe.end();
    }
  });
}
