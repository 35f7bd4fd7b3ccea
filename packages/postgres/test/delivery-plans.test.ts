import { PGlite } from '@electric-sql/pglite';
import { claimedDelivery } from '@gdpr-mail/core/testing';
import { createPgliteStore, type PgliteLike } from '@gdpr-mail/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema } from './helpers.js';

// PGlite never runs autovacuum, so its tables have no statistics: the batch
// writes of the send pipeline must find their rows through the primary key
// anyway. A plan that reads the whole table costs more with every campaign sent.
const pglite = await PGlite.create();
afterAll(() => pglite.close());

/** The PGlite instance, noting the last statement that touched `deliveries`. */
function recording(): { db: PgliteLike; last(): { sql: string; params: unknown[] } } {
  let last: { sql: string; params: unknown[] } | undefined;
  const note = (sql: string, params?: unknown[]) => {
    if (/^\s*UPDATE\b[^;]*\.deliveries\b/.test(sql)) last = { sql, params: params ?? [] };
  };
  const db: PgliteLike = {
    query: (sql, params) => {
      note(sql, params);
      return pglite.query(sql, params);
    },
    exec: (sql) => pglite.exec(sql),
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          query: (sql, params) => {
            note(sql, params);
            return tx.query(sql, params);
          },
          exec: (sql) => tx.exec(sql),
        }),
      ),
    close: async () => {},
  };
  return {
    db,
    last: () => {
      if (!last) throw new Error('no UPDATE of deliveries was issued');
      return last;
    },
  };
}

async function planOf(statement: { sql: string; params: unknown[] }): Promise<string> {
  const { rows } = await pglite.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN ${statement.sql}`,
    statement.params,
  );
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

describe('delivery batch writes on PGlite without statistics', () => {
  it('start, update and settle a batch through the primary key, never a table scan or a rescan of the batch', async () => {
    const { db, last } = recording();
    const schema = freshSchema();
    const store = await createPgliteStore({ db, schema });
    const at = new Date('2026-05-01T00:00:00.000Z');
    // Earlier campaigns: 30,000 sent messages, where a join to unnest() alone
    // plans as a scan of the whole table.
    await pglite.query(
      `INSERT INTO "${schema}".deliveries (idempotency_key, message_id, purpose_id, campaign_id,
         transport, status, retryable, attempts, created_at, updated_at)
       SELECT 'old:' || n, '<old:' || n || '@acme.test>', 'newsletter', 'winter', 'memory',
         'accepted', false, 1, $1, $1
       FROM generate_series(1, 30000) AS n`,
      [at],
    );
    const keys = Array.from({ length: 100 }, (_, i) => `new:${i}`);
    await store.claimDeliveries(
      keys.map((key) =>
        claimedDelivery(
          { idempotencyKey: key, messageId: `<${key}@acme.test>`, campaignId: 'spring' },
          at,
        ),
      ),
    );

    const started = await store.startDeliveries(
      keys.map((key) => ({ idempotencyKey: key, messageId: `<${key}@acme.test>` })),
      at,
    );
    expect(started).toHaveLength(100);
    const plans = [await planOf(last())];

    await store.updateDeliveries(
      keys.slice(0, 50).map((key) => ({
        idempotencyKey: key,
        status: 'ambiguous',
        retryable: false,
        attempts: 1,
        updatedAt: at,
      })),
    );
    plans.push(await planOf(last()));

    const settled = await store.settleDeliveries(
      keys.slice(0, 50).map((key) => ({
        idempotencyKey: key,
        messageId: `<${key}@acme.test>`,
        status: 'accepted',
        retryable: false,
        updatedAt: at,
      })),
    );
    expect(settled).toHaveLength(50);
    plans.push(await planOf(last()));

    for (const plan of plans) {
      expect(plan).toContain('deliveries_pkey');
      expect(plan).not.toMatch(/Seq Scan on deliveries/);
      // A nested loop over unnest() reads the whole batch again for every row.
      expect(plan).not.toMatch(/Nested Loop[\s\S]*Function Scan/);
    }
    await store.close();
    await pglite.exec(`DROP SCHEMA "${schema}" CASCADE`);
  });
});
