import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../tests/support/ensure-built.js';

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

// The apps below (and the example app) import the builds.
// The example's default store is PGlite from @gdpr-mail/postgres, loaded by core at run time.
beforeAll(
  () => ensureBuilt('@gdpr-mail/core', '@gdpr-mail/postgres', '@gdpr-mail/nestjs'),
  180_000,
);

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

describe('examples/nest-app as its start script runs it (tsx, no decorator metadata)', () => {
  it('starts on a free port (PORT=0), serves GET / and a signup', async () => {
    const exampleDir = join(root, 'examples', 'nest-app');
    // The default store lives in ./.gdpr-mail of the working directory: keep it out of the repo.
    const cwd = mkdtempSync(join(tmpdir(), 'gdpr-mail-nest-example-'));
    const child = spawn(
      join(exampleDir, 'node_modules', '.bin', 'tsx'),
      // Run elsewhere than the example's folder, tsx needs to be told its tsconfig.
      ['--tsconfig', join(exampleDir, 'tsconfig.json'), join(exampleDir, 'src', 'main.ts')],
      { cwd, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /on (http:\/\/localhost:\d+)\//.exec(output);
          if (match?.[1]) resolve(match[1]);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      const home = await fetch(`${origin}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('href="/gdpr/signup"');

      const form = await fetch(`${origin}/gdpr/signup`, {
        headers: { accept: 'application/json' },
      });
      const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
      const { csrf } = (await form.json()) as { csrf: string };
      const email = `smoke-${randomUUID()}@example.com`;
      const signup = await fetch(`${origin}/gdpr/signup`, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ email, purposes: 'newsletter', _csrf: csrf }).toString(),
      });
      expect(signup.status).toBe(200);
      expect(await signup.json()).toEqual({ status: 'check-inbox' });
      // The confirmation mail went through the mailer into the dev inbox, after the
      // answer (from the outbox, #19): another process, so poll for it.
      await expect
        .poll(async () => (await fetch(`${origin}/dev/inbox`)).text(), { timeout: 10_000 })
        .toContain(email);
      // The guarded page, injected by token only, refuses an unconfirmed person.
      const tips = await fetch(`${origin}/members/tips?as=${encodeURIComponent(email)}`);
      expect(tips.status).toBe(403);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode === null ? child.once('exit', resolve) : resolve(null),
      );
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});
