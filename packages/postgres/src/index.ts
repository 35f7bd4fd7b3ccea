export type { CommonOptions, PgliteStoreOptions } from './create-pglite-store.js';
export { createPgliteStore } from './create-pglite-store.js';
export type { PostgresStore, PostgresStoreOptions } from './create-postgres-store.js';
export { createPostgresStore, migratePostgres } from './create-postgres-store.js';
export type { Migration, MigrationResult } from './migrations.js';
export { MIGRATIONS, runMigrations } from './migrations.js';
export type { PgClientLike, PgDatabaseOptions, PgPoolLike, PgQueryConfig } from './pg-database.js';
export { pgDatabase } from './pg-database.js';
export type { PgliteLike, PgliteQueryable } from './pglite-database.js';
export { pgliteDatabase } from './pglite-database.js';
export type {
  JournalQueryable,
  PostgresErasureJournal,
  PostgresErasureJournalOptions,
} from './postgres-erasure-journal.js';
export {
  createPostgresErasureJournal,
  DEFAULT_JOURNAL_SCHEMA,
} from './postgres-erasure-journal.js';
export { DEFAULT_SCHEMA } from './schema-name.js';
export type { SqlDatabase, SqlExecutor, SqlQueryOptions, SqlRow } from './sql-database.js';
export type { SqlStoreOptions } from './sql-store.js';
export { createSqlStore } from './sql-store.js';
