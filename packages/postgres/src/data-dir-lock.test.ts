import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LockContent, lockDataDir, removeStaleLock } from './data-dir-lock.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const lockOf = (token: string): LockContent => ({ pid: 999_999, host: 'gone-host', token });

describe('taking over a stale PGlite lock', () => {
  it('removes the lock judged stale, and only that one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gm-lock-'));
    const path = join(dir, 'store.lock');
    const stale = lockOf('stale-token');
    await writeFile(path, JSON.stringify(stale));
    expect(await removeStaleLock(path, stale)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('puts back a lock another process took over after this one judged the old one stale', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gm-lock-'));
    const path = join(dir, 'store.lock');
    // Judged stale, but meanwhile another process removed it and wrote its own fresh lock.
    const judged = lockOf('stale-token');
    const fresh = JSON.stringify(lockOf('fresh-token'));
    await writeFile(path, fresh);
    expect(await removeStaleLock(path, judged)).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(fresh);
    expect(await readdir(dir)).toEqual(['store.lock']);
  });

  it('lockDataDir takes over a stale lock from another host', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gm-lock-'));
    const dataDir = join(dir, 'store');
    await writeFile(`${dataDir}.lock`, JSON.stringify(lockOf('old')));
    const old = new Date(Date.now() - 120_000);
    await utimes(`${dataDir}.lock`, old, old);
    const lock = await lockDataDir(dataDir);
    const taken = JSON.parse(await readFile(`${dataDir}.lock`, 'utf8')) as LockContent;
    expect(taken.pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });
});
