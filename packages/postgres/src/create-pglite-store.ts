import { resolve } from 'node:path';
import type { PostgresStore } from './create-postgres-store.js';
import type { DataDirLock } from './data-dir-lock.js';
import { lockDataDir } from './data-dir-lock.js';
import { runMigrations } from './migrations.js';
import type { PgliteLike } from './pglite-database.js';
import { pgliteDatabase } from './pglite-database.js';
import { pgliteMissing } from './pglite-missing.js';
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
  lock: DataDirLock;
}

/** One folder's instance and how many stores use it. */
interface SharedDir {
  opened: Promise<OpenDatabase>;
  users: number;
}

/**
 * PGlite takes seconds to open a folder and must not be opened twice at once
 * in one process (two instances would corrupt it): stores on the same folder
 * share one instance, closed when the last of them closes.
 */
const openDirs = new Map<string, SharedDir>();
/**
 * Folders whose last store is closing: a store opened meanwhile waits until the
 * instance is closed and its lock released, then opens the folder again, instead of
 * being handed the instance being closed (or a second one on the same files).
 */
const closingDirs = new Map<string, Promise<void>>();

async function openPglite(dataDir: string | undefined, worker: boolean): Promise<PgliteLike> {
  if (worker) return openPgliteWorker(dataDir);
  const PGlite = await import('@electric-sql/pglite')
    .then((pglite) => pglite.PGlite)
    .catch((error: unknown) => {
      throw pgliteMissing(error) ?? error;
    });
  return (await PGlite.create(dataDir)) as unknown as PgliteLike;
}

async function acquire(
  dataDir: string,
  worker: boolean,
): Promise<{ db: PgliteLike; release(): Promise<void> }> {
  for (let closing = closingDirs.get(dataDir); closing; closing = closingDirs.get(dataDir)) {
    await closing.catch(() => undefined);
  }
  let shared = openDirs.get(dataDir);
  if (!shared) {
    const opened = (async () => {
      // Another process on the same folder would corrupt it: refused before PGlite opens it.
      const lock = await lockDataDir(dataDir);
      try {
        return { db: await openPglite(dataDir, worker), lock };
      } catch (error) {
        await lock.release();
        throw error;
      }
    })();
    const created: SharedDir = { opened, users: 0 };
    shared = created;
    openDirs.set(dataDir, created);
    opened.catch(() => {
      if (openDirs.get(dataDir) === created) openDirs.delete(dataDir);
    });
  }
  // Counted before any await: the last store's close cannot slip in between and
  // close the instance this store is about to use.
  const mine = shared;
  mine.users += 1;
  let open: OpenDatabase;
  try {
    open = await mine.opened;
  } catch (error) {
    mine.users -= 1;
    throw error;
  }
  let released = false;
  return {
    db: open.db,
    async release() {
      if (released) return;
      released = true;
      mine.users -= 1;
      if (mine.users > 0) return;
      if (openDirs.get(dataDir) === mine) openDirs.delete(dataDir);
      const closing = (async () => {
        try {
          await open.db.close();
        } finally {
          await open.lock.release();
        }
      })();
      closingDirs.set(dataDir, closing);
      try {
        await closing;
      } finally {
        if (closingDirs.get(dataDir) === closing) closingDirs.delete(dataDir);
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
