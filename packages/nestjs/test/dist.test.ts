import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = join(__dirname, '..');
const root = join(packageDir, '..', '..');

interface DistRun {
  format: string;
  resolved: string;
  hello: { controller: string; allowed: boolean };
  archive: { status: number; body: { code?: string } };
  allowed: { status: number; body: unknown };
  signup: { status: number; body: { action: string } };
}

function runFixture(file: string): DistRun {
  const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', file)], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as DistRun;
}

// `pnpm test` runs the unit tests before `pnpm build`: build what the apps import.
beforeAll(() => {
  execFileSync(
    'pnpm',
    ['--filter', '@gdpr-mail/core', '--filter', '@gdpr-mail/nestjs', 'run', 'build'],
    { cwd: root, stdio: 'ignore', timeout: 120_000 },
  );
}, 180_000);

describe('the built package in a Nest app', () => {
  it('keeps the decorators and their metadata (swc build)', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(join(packageDir, 'dist', file), 'utf8');
      expect(code).toContain('design:paramtypes');
      expect(code).not.toMatch(/from ['"]\.\.\/src/);
    }
  });

  it.each([
    ['dist-app.mjs', 'esm', /dist\/index\.js$/],
    ['dist-app.cjs', 'cjs', /dist\/index\.cjs$/],
  ])('%s (%s): DI, the guard and the routes work', (file, format, resolved) => {
    const run = runFixture(file);
    expect(run.format).toBe(format);
    expect(run.resolved).toMatch(resolved);
    // GdprMailService injected into the app's controller by its token.
    expect(run.hello).toEqual({ controller: 'Acme SAS', allowed: false });
    // The guard (Reflector, options and facade injected) denies, then allows.
    expect(run.archive.status).toBe(403);
    expect(run.archive.body.code).toBe('CONSENT_REQUIRED');
    expect(run.allowed).toEqual({ status: 200, body: { ok: true } });
    // The routes are mounted at the path of links.baseUrl.
    expect(run.signup.status).toBe(200);
    expect(run.signup.body.action).toBe('/gdpr/signup');
  });
});
