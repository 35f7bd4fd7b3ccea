import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { GdprMailError } from '@gdpr-mail/core';
import type { PgliteLike, PgliteQueryable } from './pglite-database.js';
import { pgliteMissing } from './pglite-missing.js';

/**
 * The worker's body, evaluated as CommonJS. A string rather than a file of its
 * own: the same source then runs from the ESM and CJS builds and from the
 * TypeScript sources under test, with no worker file to locate or compile.
 * Database errors cross the thread as plain fields (a structured clone keeps
 * only message and stack), so the SQLSTATE in `code` still reaches the store.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const FIELDS = ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'constraint', 'position'];
function plain(error) {
  const out = { message: error instanceof Error ? error.message : String(error) };
  if (error && typeof error === 'object') for (const f of FIELDS) if (error[f] !== undefined) out[f] = error[f];
  return out;
}
PGlite.create(workerData.dataDir).then((db) => {
  parentPort.on('message', async ({ id, kind, sql, params, options }) => {
    try {
      if (kind === 'query') parentPort.postMessage({ id, rows: (await db.query(sql, params, options)).rows });
      else if (kind === 'exec') { await db.exec(sql); parentPort.postMessage({ id }); }
      else { await db.close(); parentPort.postMessage({ id }); }
    } catch (error) {
      parentPort.postMessage({ id, error: plain(error) });
    }
  });
  parentPort.postMessage({ id: 0 });
}, (error) => parentPort.postMessage({ id: 0, error: plain(error) }));
`;

interface Reply {
  id: number;
  rows?: unknown[];
  error?: { message: string; code?: string } & Record<string, unknown>;
}

interface Waiter {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

function databaseError(fields: NonNullable<Reply['error']>): Error {
  return Object.assign(new Error(fields.message), fields);
}

/**
 * PGlite on a worker thread: its WebAssembly runs on another core, so a long
 * statement no longer stalls this thread's sockets (an SMTP pool, an HTTP
 * server). Same contract as a PGlite instance; the caller serialises use.
 * The worker keeps the process alive only while a request is pending.
 */
export async function openPgliteWorker(dataDir: string | undefined): Promise<PgliteLike> {
  let pglite: string;
  try {
    pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  } catch (error) {
    throw pgliteMissing(error) ?? error;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pglite, dataDir } });
  const waiting = new Map<number, Waiter>();
  let nextId = 1;
  let lost: Error | undefined;
  let closed = false;

  // ref() while a request is pending; unref() once none is, deferred a turn so
  // that back-to-back statements do not toggle it each time (it costs more than
  // the hop itself).
  let referenced = false;
  let unrefQueued = false;
  const hold = () => {
    if (!referenced) {
      referenced = true;
      worker.ref();
    }
  };
  const settle = () => {
    if (waiting.size > 0 || unrefQueued) return;
    unrefQueued = true;
    setImmediate(() => {
      unrefQueued = false;
      if (waiting.size === 0 && referenced && !closed) {
        referenced = false;
        worker.unref();
      }
    });
  };
  const fail = (error: Error) => {
    lost ??= error;
    for (const waiter of waiting.values()) waiter.reject(lost);
    waiting.clear();
  };
  worker.on('message', (reply: Reply) => {
    const waiter = waiting.get(reply.id);
    if (!waiter) return;
    waiting.delete(reply.id);
    settle();
    waiter.resolve(reply);
  });
  worker.on('error', (error) => {
    fail(
      new GdprMailError('STORE_FAILURE', `The PGlite worker failed: ${error.message}`, {
        cause: error,
        retryable: false,
      }),
    );
  });
  worker.on('exit', (code) => {
    fail(
      new GdprMailError('STORE_FAILURE', `The PGlite worker stopped (exit code ${code}).`, {
        retryable: false,
      }),
    );
  });

  const request = (id: number, message?: object): Promise<Reply> =>
    new Promise<Reply>((resolve, reject) => {
      if (lost) {
        reject(lost);
        return;
      }
      waiting.set(id, { resolve, reject });
      hold();
      if (!message) return;
      try {
        worker.postMessage({ id, ...message });
      } catch (error) {
        // A parameter the structured clone refuses (a function, a symbol).
        waiting.delete(id);
        settle();
        reject(
          new GdprMailError(
            'STORE_FAILURE',
            'A statement parameter cannot be sent to the PGlite worker.',
            {
              cause: error,
              retryable: false,
            },
          ),
        );
      }
    });

  const call = async (message: object): Promise<Reply> => {
    if (closed) {
      throw new GdprMailError('STORE_FAILURE', 'The PGlite store is closed.', { retryable: false });
    }
    const reply = await request(nextId++, message);
    if (reply.error) throw databaseError(reply.error);
    return reply;
  };

  const opened = await request(0);
  if (opened.error) {
    await worker.terminate();
    throw databaseError(opened.error);
  }

  const queryable: PgliteQueryable = {
    async query(sql, params, options) {
      // A COPY's blob crosses the thread by structured clone.
      const message = options?.blob
        ? { kind: 'query', sql, params, options }
        : { kind: 'query', sql, params };
      return { rows: (await call(message)).rows ?? [] };
    },
    async exec(sql) {
      await call({ kind: 'exec', sql });
    },
  };

  return {
    ...queryable,
    async transaction(work) {
      await queryable.exec('BEGIN');
      try {
        const result = await work(queryable);
        await queryable.exec('COMMIT');
        return result;
      } catch (error) {
        // After a failed COMMIT the server has already rolled back: this is then a no-op.
        await queryable.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async close() {
      if (closed) return;
      try {
        await call({ kind: 'close' });
      } finally {
        closed = true;
        // Terminating is pending work too: unreferenced, the worker would let a
        // process with nothing else to do exit before close() resolves.
        hold();
        await worker.terminate();
      }
    },
    get closed() {
      return closed;
    },
  };
}
