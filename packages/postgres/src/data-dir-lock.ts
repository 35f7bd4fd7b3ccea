import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { GdprMailError } from '@gdpr-mail/core';

/** How often the holder touches its lock, and how old a touch may be before the lock is stale. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;

export interface LockContent {
  pid: number;
  host: string;
  token: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(
  path: string,
): Promise<{ content?: LockContent; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let content: LockContent | undefined;
    try {
      content = JSON.parse(text) as LockContent;
    } catch {
      content = undefined;
    }
    return { ...(content ? { content } : {}), ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Whether an existing lock still belongs to a live process. A holder on this host is
 * asked directly (its pid); one on another host (a shared volume, a recreated
 * container) is trusted while it keeps touching the file.
 */
function held(existing: { content?: LockContent; ageMs: number }): boolean {
  const { content, ageMs } = existing;
  if (content && content.host === hostname()) {
    return content.pid !== process.pid && alive(content.pid);
  }
  return ageMs < STALE_MS;
}

/**
 * Removes the lock judged stale, and only that one. Two processes that judged the same
 * stale lock would otherwise both remove "the lock" and both create theirs: the second
 * removal would take the first one's fresh lock. The file is moved aside (an atomic
 * rename) and read: if it is not the lock that was judged (another process took over
 * first), it is put back (`link` never overwrites) and the caller is refused.
 */
export async function removeStaleLock(
  path: string,
  judged: LockContent | undefined,
): Promise<boolean> {
  const aside = `${path}.${randomUUID()}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    // Gone already: whoever removed it takes its turn at creating the lock, as do we.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  let token: string | undefined;
  try {
    token = (JSON.parse(moved) as Partial<LockContent>).token;
  } catch {
    token = undefined;
  }
  if (token === judged?.token) {
    await rm(aside, { force: true });
    return true;
  }
  await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
  return false;
}

/**
 * Takes the lock file beside a PGlite folder (`<dataDir>.lock`). Two processes running
 * PGlite on one folder would each run a database on the same files and corrupt them
 * (an app and a `gdpr-mail` CLI command on the default `./.gdpr-mail`, say): the second
 * is refused with `STORE_LOCKED` instead. The file sits beside the folder, not in it, so
 * PGlite's own files are untouched and a restored folder brings no lock back.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = `${dataDir}.lock`;
  const mine: LockContent = { pid: process.pid, host: hostname(), token: randomUUID() };
  await mkdir(dirname(path), { recursive: true });
  // Two tries: the second follows the removal of a stale lock, and fails only when another
  // process took the lock in between.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = await readLock(path);
    if (
      (existing && held(existing)) ||
      attempt > 0 ||
      // Stale (its process is gone, or it stopped touching the file): taken over, unless
      // another process took it over first.
      (existing && !(await removeStaleLock(path, existing.content)))
    ) {
      throw new GdprMailError(
        'STORE_LOCKED',
        `The embedded store folder is open in another process (pid ${existing?.content?.pid ?? 'unknown'}): ` +
          'PGlite cannot share a folder between processes. Stop that process, or use the PostgreSQL ' +
          `store for several processes. If no process uses the folder, delete ${path}.`,
        { details: { lockFile: path } },
      );
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const current = await readLock(path).catch(() => undefined);
      // Only our own lock: a stale one taken over by another process stays theirs.
      if (current?.content?.token === mine.token) await rm(path, { force: true });
    },
  };
}
