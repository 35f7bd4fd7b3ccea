import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isGdprMailError } from '@gdpr-mail/core';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const child = join(__dirname, 'fixtures', 'open-dir-child.ts');

async function openInChild(dataDir: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', child, dataDir],
    { cwd: root, timeout: 110_000 },
  );
  return stdout.trim();
}

async function refusal(open: Promise<unknown>): Promise<string | undefined> {
  try {
    const store = (await open) as { close(): Promise<void> };
    await store.close();
    return undefined;
  } catch (error) {
    return isGdprMailError(error) ? error.code : String(error);
  }
}

let dirs: string[] = [];
let holders: ChildProcess[] = [];
afterEach(async () => {
  for (const holder of holders) holder.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  await Promise.all(dirs.map((dir) => rm(`${dir}.lock`, { force: true })));
  dirs = [];
  holders = [];
});

async function tempDir(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'gdpr-mail-pglite-lock-')), 'data');
  dirs.push(dir);
  return dir;
}

describe('one process per embedded store folder', () => {
  it('refuses a second process on an open folder with STORE_LOCKED, and lets it in once the first closes', async () => {
    const dataDir = await tempDir();
    const store = await createPgliteStore({ dataDir });
    // Two stores of one process share the folder's instance: not refused.
    const again = await createPgliteStore({ dataDir });
    await again.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(true);

    expect(await openInChild(dataDir)).toBe('STORE_LOCKED');

    await store.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    expect(await openInChild(dataDir)).toBe('opened');
  }, 240_000);

  it('takes over the lock of a process that died without closing', async () => {
    const dataDir = await tempDir();
    const holder = spawn(process.execPath, ['--import', 'tsx', child, dataDir, 'hold'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    holders.push(holder);
    await new Promise<void>((done, fail) => {
      holder.stdout?.on('data', (d: Buffer) => d.toString().includes('opened') && done());
      holder.on('exit', () => fail(new Error('the holder exited before opening')));
    });
    expect(await refusal(createPgliteStore({ dataDir }))).toBe('STORE_LOCKED');

    holder.kill('SIGKILL');
    await new Promise((done) => holder.once('exit', done));
    expect(existsSync(`${dataDir}.lock`)).toBe(true);
    const store = await createPgliteStore({ dataDir });
    await store.getSuppression('a'.repeat(64));
    await store.close();
  }, 240_000);

  it('trusts a lock from another host while it is touched, and takes it once it goes stale', async () => {
    const dataDir = await tempDir();
    const lockFile = `${dataDir}.lock`;
    await rm(lockFile, { force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dataDir, '..'), { recursive: true });
    await writeFile(
      lockFile,
      JSON.stringify({ pid: 1, host: `not-${hostname()}`, token: 'theirs' }),
    );
    expect(await refusal(createPgliteStore({ dataDir }))).toBe('STORE_LOCKED');
    const old = new Date(Date.now() - 120_000);
    await utimes(lockFile, old, old);
    const store = await createPgliteStore({ dataDir });
    await store.close();
    expect(existsSync(lockFile)).toBe(false);
  }, 240_000);
});
