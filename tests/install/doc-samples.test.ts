import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SMTPServer } from 'smtp-server';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snippetsOf } from '../../scripts/doc-snippets.mjs';
import { createFreshApp, root, run, startSmtpServer } from './fresh-app.js';

// Every doc sample of the guides a new user follows first runs, not only type-checks
// (issue #21): each block, as `pnpm check:docs` extracts it, is compiled to JavaScript and
// run in its own process in a fresh ESM app made from the packed tarballs, with the
// secrets `gdpr-mail init` wrote there and a local smtp-server as the relay. A sample that
// throws fails the run.
const GUIDES = [
  'getting-started',
  'express',
  'nestjs',
  'double-opt-in',
  'unsubscribe',
  'dsar',
  'transports',
];
const samples = GUIDES.flatMap((guide) => snippetsOf(root, join(root, 'docs', `${guide}.md`)));

let work: string;
let appDir: string;
let smtp: SMTPServer;
let smtpPort: number;
/** Recipients of what reached the smtp-server, in order. */
const received: string[] = [];

function javascript(code: string): string {
  return ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      // What a Nest app compiles with: the nestjs guide's decorators and injection.
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  }).outputText;
}

function runNode(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn('node', args, {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => done({ code, output }));
  });
}

beforeAll(async () => {
  ({ server: smtp, port: smtpPort } = await startSmtpServer((stream, session, callback) => {
    received.push(session.envelope.rcptTo[0]?.address ?? '');
    stream.resume();
    stream.on('end', () => callback());
  }));

  ({ work, appDir } = createFreshApp({ name: 'doc-samples-app', type: 'module' }));
  // getting-started: `npx gdpr-mail init` writes the config and the .env of secrets.
  run(join(appDir, 'node_modules', '.bin', 'gdpr-mail'), ['init'], appDir);
  copyFileSync(join(__dirname, 'doc-samples-harness.mjs'), join(appDir, 'harness.mjs'));
  mkdirSync(join(appDir, 'samples'));
  // PGlite makes its folder, not the parents: STORE_DIR is one folder under this one.
  mkdirSync(join(work, 'stores'));
  // Each sample gets a store of its own, copied from one the installed packages made
  // (initdb and migrations): a new PGlite folder costs 10-30 s on a busy 2-core machine.
  writeFileSync(
    join(appDir, 'samples', 'template-store.mjs'),
    [
      `import { setup, teardown } from '../harness.mjs';`,
      'await setup(false);',
      `await gdpr.canSend('nobody@example.org', 'newsletter');`,
      'await teardown();',
    ].join('\n'),
  );
  const template = await runNode(['--env-file=.env', join('samples', 'template-store.mjs')], {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    STORE_DIR: join(work, 'stores', 'template'),
  });
  expect(template.code, template.output).toBe(0);
}, 600_000);

afterAll(async () => {
  await new Promise<void>((ok) => smtp.close(() => ok()));
  if (work && !process.env.KEEP_DOC_SAMPLES_APP) rmSync(work, { recursive: true, force: true });
});

describe('the guides’ samples run in a fresh ESM app from the packed tarballs', () => {
  it('finds the samples of every guide', () => {
    for (const guide of GUIDES)
      expect(
        samples.some((s) => s.file === `docs/${guide}.md`),
        guide,
      ).toBe(true);
  });

  it.each(samples.map((s) => [`${s.file}:${s.line}`, s] as const))('runs %s', async (_, sample) => {
    // Acts on a person: names `email` (not a property key, not in a string) or a link's token.
    const uses =
      /(?<![\w'".@-])email\b(?!\s*:)/.test(sample.code) ||
      /\b(token|prefToken|downloadToken|erasureToken)\b/.test(sample.code);
    const file = join('samples', `${sample.name}.mjs`);
    writeFileSync(
      join(appDir, file),
      [
        `// ${sample.file}:${sample.line}`,
        `import { setup as setUpSample, teardown as tearDownSample } from '../harness.mjs';`,
        `await setUpSample(${uses});`,
        javascript(sample.code),
        'await tearDownSample();',
      ].join('\n'),
    );
    // `node --env-file=.env`: how getting-started runs an app on the secrets of `gdpr-mail init`.
    const store = join(work, 'stores', sample.name);
    cpSync(join(work, 'stores', 'template'), store, { recursive: true });
    const { code, output } = await runNode(['--env-file=.env', file], {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtpPort),
      STORE_DIR: store,
    });
    expect(code, output).toBe(0);
    expect(output).toContain('doc sample done');
    // The two store packages are installed, so "without a store" means the embedded one.
    expect(output).not.toContain('in-memory store');
  });

  it('sent the double opt-in and DSAR mails through the local smtp-server', () => {
    expect(received).toContain('jane@example.com');
    // dsar.md: the access request's link, the download link, the erasure request's link.
    expect(received.filter((to) => to === 'ada@example.org').length).toBeGreaterThanOrEqual(3);
  });
});
