import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { SMTPServer } from 'smtp-server';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snippetsOf } from '../../scripts/doc-snippets.mjs';
import { CJS_APP, ESM_APP, TS_APP } from './app-source.js';
import { createFreshApp, PACKAGES, root, run, startSmtpServer } from './fresh-app.js';

// What a new user does: pack every publishable package, install the tarballs in a
// fresh app OUTSIDE the workspace with npm, type-check a TypeScript app under
// node16 and bundler resolution, run an ESM and a CommonJS app, and walk the flow
// against a local smtp-server (issue #12). CI runs this file on Node 20, 22 and 24: there,
// getting-started is followed as written (`npx gdpr-mail init`, its samples run with
// `node --env-file=.env`) and every app must be on the embedded PGlite store (issue #21).
let work: string;
let appDir: string;

interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Raw header values by lower-case name: mailparser restructures List-* headers. */
  headers: Record<string, string>;
}
const inbox: Mail[] = [];
/** What core prints when it falls back to memory because @gdpr-mail/postgres did not load. */
const MEMORY_FALLBACK = 'in-memory store';
let smtp: SMTPServer;
let smtpPort: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  ({ server: smtp, port: smtpPort } = await startSmtpServer((stream, session, callback) => {
    simpleParser(stream).then((parsed) => {
      inbox.push({
        to: session.envelope.rcptTo[0]?.address ?? '',
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        headers: Object.fromEntries(
          parsed.headerLines.map(({ key, line }) => [
            key,
            line
              .slice(line.indexOf(':') + 1)
              .replace(/\r?\n\s+/g, ' ')
              .trim(),
          ]),
        ),
      });
      callback();
    }, callback);
  }));

  ({ work, appDir } = createFreshApp({ name: 'new-user-app' }));
  // CI runs this file on Node 20, 22 and 24 (`.ci/run`): say which one the apps run on.
  console.info(`install test: the new user's apps run on Node ${run('node', ['-v'], work).trim()}`);
}, 600_000);

afterAll(async () => {
  await new Promise<void>((ok) => smtp.close(() => ok()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a new user installs the packed packages', () => {
  it('installed every publishable package, each loading from ESM and CommonJS with the same exports', () => {
    expect(PACKAGES).toEqual(expect.arrayContaining(['core', 'express', 'smtp', 'postgres']));
    const script = (kind: 'esm' | 'cjs') =>
      [
        kind === 'esm' ? '' : 'const out = {};',
        kind === 'esm' ? 'const out = {};' : '',
        ...PACKAGES.map((name) =>
          kind === 'esm'
            ? `out[${JSON.stringify(name)}] = Object.keys(await import('@gdpr-mail/${name}')).sort();`
            : `out[${JSON.stringify(name)}] = Object.keys(require('@gdpr-mail/${name}')).sort();`,
        ),
        'console.log(JSON.stringify(out));',
      ].join('\n');
    writeFileSync(join(appDir, 'exports.mjs'), script('esm'));
    writeFileSync(join(appDir, 'exports.cjs'), script('cjs'));
    const esm = JSON.parse(run('node', ['exports.mjs'], appDir)) as Record<string, string[]>;
    const cjs = JSON.parse(run('node', ['exports.cjs'], appDir)) as Record<string, string[]>;
    for (const name of PACKAGES) {
      expect(esm[name]?.length, `@gdpr-mail/${name} exports something`).toBeGreaterThan(0);
      // `default` is what CommonJS interop may add; the named API must match.
      expect(esm[name]?.filter((k) => k !== 'default')).toEqual(
        cjs[name]?.filter((k) => k !== 'default'),
      );
    }
  });

  it('runs the gdpr-mail command from the installed CLI', () => {
    expect(run(join(appDir, 'node_modules', '.bin', 'gdpr-mail'), ['--help'], appDir)).toContain(
      'Usage: gdpr-mail',
    );
  });

  // A new PGlite folder (initdb) takes 10-40 s on a busy 2-core machine: room for it.
  it('follows getting-started: `npx gdpr-mail init`, then its samples on the embedded store', () => {
    // As the guide says: npx runs the bin of the installed @gdpr-mail/cli (`--no`: never a
    // package of that name fetched from the registry instead).
    const said = run('npx', ['--no', 'gdpr-mail', 'init'], appDir);
    expect(said).toContain('gdpr-mail.config.mjs');
    expect(statSync(join(appDir, '.env')).mode & 0o777).toBe(0o600);
    // The guide's runnable blocks, in order (the factory, then the flow), as one ES module:
    // the blocks `pnpm check:docs` type-checks, compiled to JavaScript as they stand.
    const blocks = snippetsOf(root, join(root, 'docs', 'getting-started.md'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const source = ts.transpileModule(
      [
        ...blocks.map((block) => block.code),
        "console.log('getting-started:', decision.reason, 'chain', proof.chain.ok);",
      ].join('\n'),
      { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } },
    ).outputText;
    writeFileSync(join(appDir, 'getting-started.mjs'), source);
    // stdout and stderr both: core's warning of a fallback to memory goes to stderr.
    // The script must exit on its own, as a newcomer's does: the guide closes the instance
    // (the embedded store holds the event loop open until then). A hang is killed and fails.
    const ran = spawnSync('node', ['--env-file=.env', 'getting-started.mjs'], {
      cwd: appDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const output = `${ran.stdout}${ran.stderr}`;
    expect(ran.signal, `killed after 60 s: the script did not exit\n${output}`).toBeNull();
    expect(ran.status, output).toBe(0);
    expect(output).toContain('getting-started: consent-granted chain true');
    // "Without a `store`, the SDK uses its embedded default: PGlite … in `./.gdpr-mail`".
    expect(output).not.toContain(MEMORY_FALLBACK);
    expect(existsSync(join(appDir, '.gdpr-mail', 'PG_VERSION'))).toBe(true);
  }, 240_000);

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('type-checks an app with moduleResolution %s', (name, options) => {
    writeFileSync(join(appDir, 'app-typed.mts'), TS_APP);
    writeFileSync(
      join(appDir, `tsconfig.${name}.json`),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['app-typed.mts'],
      }),
    );
    expect(() =>
      run(join(appDir, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${name}.json`], appDir),
    ).not.toThrow();
  });

  it.each([
    ['ESM', 'app.mjs', ESM_APP],
    ['CommonJS', 'app.cjs', CJS_APP],
  ])(
    'runs the %s app: signup, confirmation mail, confirm, newsletter, one-click unsubscribe',
    async (_kind, file, source) => {
      writeFileSync(join(appDir, file), source);
      const port = await freePort();
      const child: ChildProcess = spawn('node', [file], {
        cwd: appDir,
        env: {
          ...process.env,
          PORT: String(port),
          SMTP_PORT: String(smtpPort),
          STORE_DIR: join(work, `store-${file}`),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      try {
        await waitFor(
          () => (output.includes(`listening ${port}`) ? true : undefined),
          `the app (${output})`,
        );
        const base = `http://localhost:${port}`;
        const email = `new-user-${file.replace('.', '-')}@example.org`;

        const form = await fetch(`${base}/gdpr/signup`, { headers: { accept: 'text/html' } });
        const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
        expect(csrf).toBeTruthy();
        const signup = await fetch(`${base}/gdpr/signup`, {
          method: 'POST',
          headers: {
            accept: 'text/html',
            cookie,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            email,
            purposes: 'newsletter',
            notice_newsletter: '1.0',
            _csrf: csrf!,
          }),
        });
        expect(signup.status).toBe(200);

        const confirmMail = await waitFor(
          () => inbox.find((m) => m.to === email),
          'the confirmation mail',
        );
        const confirmUrl = /(http:\/\/localhost:\d+\/gdpr\/confirm\/\S+)/.exec(
          confirmMail.text,
        )?.[1];
        expect(confirmUrl).toBeTruthy();
        expect((await fetch(confirmUrl!, { headers: { accept: 'text/html' } })).status).toBe(200);
        const confirmed = await fetch(confirmUrl!, {
          method: 'POST',
          headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: confirmUrl!.slice(confirmUrl!.lastIndexOf('/') + 1) }),
        });
        expect(confirmed.status).toBe(200);

        const send = () =>
          fetch(`${base}/send-newsletter`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email }),
          }).then((r) => r.json() as Promise<{ status: string }>);
        expect(await send()).toEqual({ status: 'sent' });
        const newsletter = await waitFor(
          () => inbox.find((m) => m.to === email && m.subject === 'November news'),
          'the newsletter',
        );
        const unsubscribeUrl = /<(http:\/\/localhost:\d+\/gdpr\/u\/[^>]+)>/.exec(
          newsletter.headers['list-unsubscribe'] ?? '',
        )?.[1];
        expect(newsletter.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
        const oneClick = await fetch(unsubscribeUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
          redirect: 'manual',
        });
        expect(oneClick.status).toBe(200);
        expect(oneClick.headers.get('set-cookie')).toBeNull();
        expect(await send()).toEqual({ status: 'denied' });
        // No `store` in the config: the embedded PGlite store, in the folder it was given.
        expect(output).not.toContain(MEMORY_FALLBACK);
        expect(existsSync(join(work, `store-${file}`, 'PG_VERSION'))).toBe(true);
      } finally {
        child.kill();
      }
    },
  );
});
