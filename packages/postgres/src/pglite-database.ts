import { AsyncMutex } from '@gdpr-mail/core/internal';
import type { SqlDatabase, SqlExecutor, SqlRow } from './sql-database.js';

export interface PgliteQueryable {
  /** `options.blob` is what `COPY … FROM '/dev/blob'` reads. */
  query(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: unknown[] }>;
  exec(sql: string): Promise<unknown>;
}

/** The part of a PGlite instance the store uses; `new PGlite()` satisfies it. */
export interface PgliteLike extends PgliteQueryable {
  transaction<T>(work: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly closed?: boolean;
}

function executor(target: PgliteQueryable): SqlExecutor {
  return {
    async query(sql, params) {
      return (await target.query(sql, params ? [...params] : undefined)).rows as SqlRow[];
    },
    async exec(sql) {
      await target.exec(sql);
    },
    async copyCsv(copyTarget, csv) {
      await target.query(`COPY ${copyTarget} FROM '/dev/blob' WITH (FORMAT csv)`, [], {
        blob: new Blob([csv]),
      });
    },
  };
}

/**
 * The lock of each instance, not of each store: stores on one folder share its
 * instance, and a worker's transaction is plain BEGIN … COMMIT messages, so a
 * lock per store would let another store's statement run inside the open
 * transaction (and be undone by its rollback). Weak, so a closed instance's
 * lock goes with it.
 */
const locks = new WeakMap<PgliteLike, AsyncMutex>();

function lockOf(db: PgliteLike): AsyncMutex {
  let mutex = locks.get(db);
  if (!mutex) {
    mutex = new AsyncMutex();
    locks.set(db, mutex);
  }
  return mutex;
}

/**
 * PGlite is one connection in this process: statements and transactions must
 * not interleave, so every use of one instance, by every store on it, goes
 * through one FIFO lock. Inside a transaction, use the `tx` it hands you:
 * calling a store on the same instance would wait for the very transaction
 * that is waiting on it.
 */
export function pgliteDatabase(db: PgliteLike, onClose: () => Promise<void>): SqlDatabase {
  const mutex = lockOf(db);
  const direct = executor(db);
  return {
    query: (sql, params) => mutex.run(() => direct.query(sql, params)),
    exec: (sql) => mutex.run(() => direct.exec(sql)),
    transaction: (work) => mutex.run(() => db.transaction((tx) => work(executor(tx)))),
    close: () => mutex.run(onClose),
  };
}
