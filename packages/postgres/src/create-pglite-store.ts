import { resolve } from 'node:path';
import type { PostgresStore } from './create-postgres-store.js';
import type { DataDirLock } from './data-dir-lock.js';
import { lockDataDir } from './data-dir-lock.js';
import { runMigrations } from './migrations.js';
import type { PgliteLike } from './pglite-database.js';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteWorker } from './pglite-worker.js';
import { DEFAULT_SCHEMA } from './schema-name.js';
import { createSqlStore } from './sql-store.js';

export interface CommonOptions {
  /** Schema holding every table; default `gdpr_mail`. */
  schema?: string;
}

export type PgliteStoreOptions =
  | (CommonOptions & {
      /** Folder where PGlite keeps its files; created when missing. Omit for in-memory. */
      dataDir?: string;
      /**
       * Run PGlite on a worker thread (default false). Its WebAssembly then
       * executes on another core instead of blocking this thread's event loop:
       * worth it for bulk sends and busy HTTP servers. Stores sharing a folder
       * share its instance, so the first store to open a folder decides.
       */
      worker?: boolean;
      db?: never;
    })
  | (CommonOptions & {
      /** A PGlite instance you opened (and will close) yourself. */
      db: PgliteLike;
      dataDir?: never;
      worker?: never;
    });

interface OpenDatabase {
  db: PgliteLike;
  users: number;
  lock: DataDirLock;
}

/**
 * PGlite takes seconds to open a folder and must not be opened twice at once
 * in one process (two instances would corrupt it): stores on the same folder
 * share one instance, closed when the last of them closes.
 */
const openDirs = new Map<string, Promise<OpenDatabase>>();

async function openPglite(dataDir: string | undefined, worker: boolean): Promise<PgliteLike> {
  if (worker) return openPgliteWorker(dataDir);
  const { PGlite } = await import('@electric-sql/pglite');
  return (await PGlite.create(dataDir)) as unknown as PgliteLike;
}

async function acquire(
  dataDir: string,
  worker: boolean,
): Promise<{ db: PgliteLike; release(): Promise<void> }> {
  let entry = openDirs.get(dataDir);
  if (!entry) {
    entry = (async () => {
      // Another process on the same folder would corrupt it: refused before PGlite opens it.
      const lock = await lockDataDir(dataDir);
      try {
        return { db: await openPglite(dataDir, worker), users: 0, lock };
      } catch (error) {
        await lock.release();
        throw error;
      }
    })();
    openDirs.set(dataDir, entry);
    entry.catch(() => openDirs.delete(dataDir));
  }
  const open = await entry;
  open.users += 1;
  let released = false;
  return {
    db: open.db,
    async release() {
      if (released) return;
      released = true;
      open.users -= 1;
      if (open.users === 0) {
        openDirs.delete(dataDir);
        try {
          await open.db.close();
        } finally {
          await open.lock.release();
        }
      }
    },
  };
}

/**
 * The embedded store: the same SQL as the PostgreSQL store, in-process, with
 * no server. `{ dataDir }` persists to a folder; nothing at all keeps it in memory.
 */
export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<PostgresStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  let db: PgliteLike;
  let release: () => Promise<void>;
  if (options.db) {
    db = options.db;
    release = async () => {};
  } else if (options.dataDir !== undefined) {
    const handle = await acquire(resolve(options.dataDir), options.worker ?? false);
    db = handle.db;
    release = handle.release;
  } else {
    const memory = await openPglite(undefined, options.worker ?? false);
    db = memory;
    release = () => memory.close();
  }
  const database = pgliteDatabase(db, release);
  try {
    await runMigrations(database, schema);
  } catch (error) {
    await database.close();
    throw error;
  }
  return Object.assign(createSqlStore(database, { kind: 'pglite', schema }), { schema });
}
