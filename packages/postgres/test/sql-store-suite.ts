import { randomUUID } from 'node:crypto';
import type { ConsentEvent } from '@gdpr-mail/core';
import { isGdprMailError } from '@gdpr-mail/core';
import { hashConsentEvent } from '@gdpr-mail/core/internal';
import type { PostgresStore, SqlDatabase } from '@gdpr-mail/postgres';
import { MIGRATIONS, runMigrations } from '@gdpr-mail/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { freshSchema } from './helpers.js';

export interface SqlSuiteTarget {
  database: () => SqlDatabase;
  exec: (sql: string) => Promise<unknown>;
  makeStore: (schema: string) => Promise<PostgresStore>;
}

/** What only a SQL store has to show: migrations, database-level atomicity, the append-only log. */
export function runSqlStoreSuite(name: string, target: SqlSuiteTarget): void {
  describe(`SQL store: ${name}`, () => {
    const schemas: string[] = [];
    const schema = () => {
      const s = freshSchema();
      schemas.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of schemas.splice(0)) await target.exec(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    });

    it('applies every migration once and records it', async () => {
      const s = schema();
      const db = target.database();
      const all = MIGRATIONS.map((m) => m.version);
      expect(await runMigrations(db, s)).toEqual({ applied: all, version: Math.max(...all) });
      expect(await runMigrations(db, s)).toEqual({ applied: [], version: Math.max(...all) });
      const rows = await db.query(`SELECT version FROM "${s}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => Number(r.version))).toEqual(all);
    });

    it('leaves nothing of a multi-row append that the database refuses half-way', async () => {
      const store = await target.makeStore(schema());
      const subject = await store.createSubject({
        id: randomUUID(),
        emailHash: randomUUID(),
        email: 'x@example.test',
        createdAt: new Date(),
        updatedAt: new Date(),
        profile: {},
      });
      const proof = { source: 't', method: 'api' as const, actor: 'test' };
      const first = { id: randomUUID(), subjectId: subject.id, seq: 1, type: 'granted' as const };
      const one: ConsentEvent = {
        ...first,
        purposeId: 'newsletter',
        at: new Date(),
        proof,
        prevHash: null,
        hash: '',
      };
      one.hash = hashConsentEvent(one);
      // Same event id twice: the chain is valid, the unique index is not.
      const two: ConsentEvent = { ...one, seq: 2, prevHash: one.hash, hash: '' };
      two.hash = hashConsentEvent(two);
      await expect(store.appendConsentEvents(subject.id, undefined, [one, two])).rejects.toSatisfy(
        (e) => isGdprMailError(e, 'STORE_FAILURE'),
      );
      expect(await store.listConsentEvents(subject.id)).toEqual([]);
      expect(await store.getLedgerHead(subject.id)).toBeUndefined();
    });

    it('refuses UPDATE and DELETE on the audit log at the database level', async () => {
      const s = schema();
      const store = await target.makeStore(s);
      await store.transaction(async (tx) => {
        const { appendAuditEntry } = await import('@gdpr-mail/core/internal');
        await appendAuditEntry(tx, { actor: 'a', action: 'x' }, new Date());
      });
      await expect(target.exec(`UPDATE "${s}".audit_log SET actor = 'b'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(target.exec(`DELETE FROM "${s}".audit_log`)).rejects.toThrow(/append-only/);
      expect(await store.listAudit(0, 10)).toMatchObject([{ seq: 1, actor: 'a' }]);
    });

    it('reads int8, jsonb and timestamptz columns in one shape', async () => {
      const store = await target.makeStore(schema());
      const at = new Date('2026-01-02T03:04:05.678Z');
      await store.transaction(async (tx) => {
        const { appendAuditEntry } = await import('@gdpr-mail/core/internal');
        await appendAuditEntry(tx, { actor: 'a', action: 'x', details: { n: 1, list: ['a'] } }, at);
      });
      const [entry] = await store.listAudit(0, 1);
      expect(typeof entry?.seq).toBe('number');
      expect(entry?.at).toEqual(at);
      expect(entry?.details).toEqual({ n: 1, list: ['a'] });
      expect(await store.getAuditHead()).toEqual({ seq: 1, hash: entry?.hash });
    });
  });
}
