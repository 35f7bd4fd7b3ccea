/**
 * The one tiny interface the store needs from a database. A `pg` Pool and a
 * PGlite instance are both wrapped into it, so every SQL statement of the
 * store is written, and tested, once.
 */
export type SqlRow = Record<string, unknown>;

/** How the store asks for one statement. */
export interface SqlQueryOptions {
  /**
   * The text is fixed (the schema is its only interpolation), so a database may keep
   * it prepared on each connection and skip parsing and planning it again. The store
   * sets it on the statements every send runs; a database may ignore it.
   */
  prepare?: boolean;
}

export interface SqlExecutor {
  /** One statement with `$1`-style parameters. */
  query(sql: string, params?: readonly unknown[], options?: SqlQueryOptions): Promise<SqlRow[]>;
  /** A script of several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Optional bulk load: `COPY <target> FROM …` of `csv` (CSV format, no
   * header), where `target` is `table (column, …)`. PostgreSQL streams it
   * FROM STDIN, PGlite reads it FROM '/dev/blob'. Stores fall back to an
   * insert from arrays when a database does not offer it.
   */
  copyCsv?(target: string, csv: string): Promise<void>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in BEGIN … COMMIT on one connection; ROLLBACK if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
