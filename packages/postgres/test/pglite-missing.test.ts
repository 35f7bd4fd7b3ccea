import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPgliteStore } from '../src/index.js';

// An app that installed @gdpr-mail/postgres for its PostgreSQL server (`npm install
// @gdpr-mail/postgres pg`, as the README says) and not the optional peer
// @electric-sql/pglite: what Node says when either way of loading PGlite fails.
const { notFound } = vi.hoisted(() => ({
  notFound: (kind: 'import' | 'require'): Error =>
    Object.assign(
      new Error(
        kind === 'import'
          ? "Cannot find package '@electric-sql/pglite' imported from /app/node_modules/@gdpr-mail/postgres/dist/index.js"
          : "Cannot find module '@electric-sql/pglite'\nRequire stack:\n- /app/node_modules/@gdpr-mail/postgres/dist/index.js",
      ),
      { code: kind === 'import' ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND' },
    ),
}));

// A factory that throws reaches the code wrapped in vitest's own error: the module's export
// throws instead, as a failed import() would reject.
vi.mock('@electric-sql/pglite', () => ({
  get PGlite(): never {
    throw notFound('import');
  },
}));
vi.mock('node:module', async (original) => ({
  ...(await original<typeof import('node:module')>()),
  createRequire: () => ({
    resolve: () => {
      throw notFound('require');
    },
  }),
}));

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gdpr-mail-no-pglite-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('opened without @electric-sql/pglite'),
    (error: unknown) => error,
  );
}

function expectInstallHint(error: unknown): void {
  expect(isGdprMailError(error, 'CONFIG_INVALID'), String(error)).toBe(true);
  expect((error as Error).message).toContain('npm install @electric-sql/pglite');
  expect((error as Error).message).toContain('createPostgresStore');
}

describe('without @electric-sql/pglite installed', () => {
  it('createPgliteStore says what to install, on the main thread and on a worker', async () => {
    expectInstallHint(await refusal(createPgliteStore({ dataDir: await freshDir() })));
    expectInstallHint(
      await refusal(createPgliteStore({ dataDir: await freshDir(), worker: true })),
    );
  });

  it('createGdprMail without a store says so at first use, not ERR_MODULE_NOT_FOUND', async () => {
    const { store: _memory, ...config } = testConfig();
    const gdpr = createGdprMail({ ...config, storage: { dir: join(await freshDir(), 'store') } });
    expectInstallHint(await refusal(gdpr.consent.state('ada@example.test', 'newsletter')));
    await gdpr.close();
  });

  it('leaves another failure as it was', async () => {
    const { pgliteMissing } = await import('../src/pglite-missing.js');
    const other = Object.assign(new Error("Cannot find package 'some-dep' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(pgliteMissing(other)).toBeUndefined();
    expect(pgliteMissing(new Error('disk full'))).toBeUndefined();
  });
});
