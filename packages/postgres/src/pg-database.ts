import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { SqlDatabase, SqlExecutor, SqlRow } from './sql-database.js';

/** A named statement, as `pg` takes it: prepared once per connection under `name`. */
export interface PgQueryConfig {
  name: string;
  text: string;
  values?: unknown[];
}

/**
 * The part of a `pg` PoolClient the store uses. While `preparedStatements` is on (the
 * default) the store also calls `query(config)` with a `PgQueryConfig`, as `pg` takes it.
 */
export interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of a `pg` Pool the store uses; `new pg.Pool(...)` satisfies it. While
 * `preparedStatements` is on (the default) the store also calls `query(config)`.
 */
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

/** The options of `pgDatabase`. */
export interface PgDatabaseOptions {
  /** End the pool when the database is closed (default false: the pool is the app's). */
  endPoolOnClose?: boolean;
  /**
   * Keep the statements every send runs prepared on each connection (named statements:
   * parsed and planned once per connection rather than at every call). Default true.
   * Turn it off behind a pooler that does not carry prepared statements across
   * transactions (PgBouncer in transaction mode before 1.21, some hosted poolers).
   */
  preparedStatements?: boolean;
}

// One name per statement text (the schema is part of the text, so two stores on one
// pool never share a name); the texts are the store's own, a bounded set.
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `gdpr_mail_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}

type Queryable = Pick<PgClientLike, 'query'>;
type NamedQuery = (config: PgQueryConfig) => Promise<{ rows: SqlRow[] }>;

function executor(target: Queryable, prepare: boolean): SqlExecutor {
  return {
    async query(sql, params, options) {
      const values = params ? params.map(toPgParam) : undefined;
      if (prepare && options?.prepare) {
        const named = target.query as unknown as NamedQuery;
        const config: PgQueryConfig = { name: statementName(sql), text: sql };
        if (values) config.values = values;
        return (await named.call(target, config)).rows;
      }
      return (await target.query(sql, values)).rows;
    },
    async exec(sql) {
      // Without parameters pg uses the simple protocol, which runs a whole script.
      await target.query(sql);
    },
  };
}

/** A transaction's executor: one client, so COPY FROM STDIN is possible too. */
function clientExecutor(client: PgClientLike, prepare: boolean): SqlExecutor {
  return {
    ...executor(client, prepare),
    async copyCsv(target, csv) {
      const submit = client.query.bind(client) as unknown as Submit;
      const stream = submit(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT csv)`));
      await pipeline(Readable.from([csv]), stream);
    },
  };
}

export function pgDatabase(pool: PgPoolLike, options: PgDatabaseOptions = {}) {
  const prepare = options.preparedStatements ?? true;
  const database: SqlDatabase = {
    ...executor(pool, prepare),
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
        const result = await work(clientExecutor(client, prepare));
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
