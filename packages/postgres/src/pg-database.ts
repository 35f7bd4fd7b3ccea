import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { SqlDatabase, SqlExecutor, SqlRow } from './sql-database.js';

/** The part of a `pg` PoolClient the store uses. */
export interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a `pg` Pool the store uses; `new pg.Pool(...)` satisfies it. */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
}

/** A client's `query(submittable)`: how pg-copy-streams gets the connection. */
type Submit = (stream: ReturnType<typeof copyFrom>) => ReturnType<typeof copyFrom>;

// Characters a PostgreSQL array element may hold without quotes (no space, comma,
// brace, quote or backslash): hashes, ids, idempotency keys.
const BARE_ELEMENT = /^[0-9A-Za-z_.:-]+$/;

/**
 * An array of ids as the array literal pg would send, written in one join. pg quotes and
 * escapes every element of an array parameter on its own (two regular expressions each);
 * the store passes arrays of a hundred ids or more a statement on every send. Anything
 * that would need quoting (or reads as NULL) goes to pg as given.
 */
export function toPgParam(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) return value;
  for (const element of value) {
    if (typeof element === 'number') {
      if (!Number.isSafeInteger(element)) return value;
    } else if (
      typeof element !== 'string' ||
      !BARE_ELEMENT.test(element) ||
      (element.length === 4 && element.toUpperCase() === 'NULL')
    ) {
      return value;
    }
  }
  return `{${value.join(',')}}`;
}

function executor(target: Pick<PgClientLike, 'query'>): SqlExecutor {
  return {
    async query(sql, params) {
      return (await target.query(sql, params ? params.map(toPgParam) : undefined)).rows;
    },
    async exec(sql) {
      // Without parameters pg uses the simple protocol, which runs a whole script.
      await target.query(sql);
    },
  };
}

/** A transaction's executor: one client, so COPY FROM STDIN is possible too. */
function clientExecutor(client: PgClientLike): SqlExecutor {
  return {
    ...executor(client),
    async copyCsv(target, csv) {
      const submit = client.query.bind(client) as unknown as Submit;
      const stream = submit(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT csv)`));
      await pipeline(Readable.from([csv]), stream);
    },
  };
}

export function pgDatabase(pool: PgPoolLike, options: { endPoolOnClose?: boolean } = {}) {
  const database: SqlDatabase = {
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A server restart ends the connection between two statements: pg emits 'error' on a
      // checked-out client, which kills the process without a listener (the pool listens only
      // while the client is idle). The next statement fails anyway and is rolled back below.
      const ignore = () => {};
      client.on?.('error', ignore);
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(clientExecutor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection is gone: do not hand it back to the pool.
          broken = true;
        }
        throw error;
      } finally {
        client.off?.('error', ignore);
        client.release(broken);
      }
    },
    async close() {
      if (options.endPoolOnClose) await pool.end();
    },
  };
  return database;
}
