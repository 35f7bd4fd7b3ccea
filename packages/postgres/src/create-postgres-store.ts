import type { GdprStore } from '@gdpr-mail/core';
import type { MigrationResult } from './migrations.js';
import { runMigrations } from './migrations.js';
import type { PgPoolLike } from './pg-database.js';
import { pgDatabase } from './pg-database.js';
import { DEFAULT_SCHEMA } from './schema-name.js';
import { createSqlStore } from './sql-store.js';

export interface PostgresStoreOptions {
  /** A `pg` Pool (`new pg.Pool({ connectionString })`). The app owns it. */
  pool: PgPoolLike;
  /** Schema holding every table; default `gdpr_mail`. */
  schema?: string;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  /** End the pool when the store is closed (default false: the pool is the app's). */
  endPoolOnClose?: boolean;
  /**
   * Keep the statements every send runs prepared on each connection (default true):
   * PostgreSQL parses and plans them once per connection instead of at every call.
   * Set `false` behind a pooler that does not carry prepared statements across
   * transactions (PgBouncer in transaction mode before 1.21, some hosted poolers).
   */
  preparedStatements?: boolean;
}

export interface PostgresStore extends GdprStore {
  readonly schema: string;
}

/** The production store: PostgreSQL through a `pg` Pool. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const db = pgDatabase(options.pool, {
    endPoolOnClose: options.endPoolOnClose ?? false,
    preparedStatements: options.preparedStatements ?? true,
  });
  const store = createSqlStore(db, { kind: 'postgres', schema });
  if (options.migrate ?? true) await runMigrations(db, schema);
  return Object.assign(store, { schema });
}

/** Applies pending migrations to a PostgreSQL schema (e.g. from a deploy step). */
export function migratePostgres(
  pool: PgPoolLike,
  schema: string = DEFAULT_SCHEMA,
): Promise<MigrationResult> {
  return runMigrations(pgDatabase(pool), schema);
}
