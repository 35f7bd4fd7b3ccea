import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@gdpr-mail/cli';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';

// `gdpr-mail init` as a newcomer's CommonJS and TypeScript apps meet it: the line it prints
// loads the config in that app, and a strict TypeScript app imports the config it wrote.
// Under the repository (its .tmp/ is ignored), so `@gdpr-mail/core` resolves to the build.
const root = join(__dirname, '..', '..', '..');
mkdirSync(join(root, '.tmp'), { recursive: true });
const folders: string[] = [];

function app(files: Record<string, string>): string {
  const folder = mkdtempSync(join(root, '.tmp', 'init-app-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return folder;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('gdpr-mail init in CommonJS and TypeScript apps', () => {
  it('tells a CommonJS app to require the default export, which loads the config', async () => {
    const folder = app({ 'package.json': '{ "name": "cjs-app" }' });
    const run = captureIo(folder);
    expect(await runCli(['init'], run.io)).toBe(0);
    expect(run.out()).toContain("const config = require('./gdpr-mail.config.mjs').default;");
    expect(run.out()).not.toContain('import config');
    expect(existsSync(join(folder, 'gdpr-mail.config.d.mts'))).toBe(false);
    // The printed line, run as it stands in a CommonJS file (require(esm), Node >= 20.19).
    writeFileSync(
      join(folder, 'app.js'),
      "const config = require('./gdpr-mail.config.mjs').default;\nconsole.log(config.controller.name, config.secrets.pepper.length);\n",
    );
    const said = execFileSync('node', ['app.js'], { cwd: folder, encoding: 'utf8' });
    expect(said.trim()).toBe('Your Company SAS 43');
  });

  it('tells an ES module app to import it', async () => {
    const folder = app({ 'package.json': '{ "name": "esm-app", "type": "module" }' });
    const run = captureIo(folder);
    expect(await runCli(['init'], run.io)).toBe(0);
    expect(run.out()).toContain("import config from './gdpr-mail.config.mjs';");
    expect(existsSync(join(folder, 'gdpr-mail.config.d.mts'))).toBe(false);
  });

  it('writes the type of the config beside a tsconfig.json, so a strict app imports it (no TS7016)', async () => {
    const folder = app({
      'package.json': '{ "name": "ts-app", "type": "module" }',
      'tsconfig.json': '{}',
      'app.ts': [
        "import { createGdprMail } from '@gdpr-mail/core';",
        "import config from './gdpr-mail.config.mjs';",
        'const gdpr = createGdprMail(config);',
        'const pepper: string = config.secrets.pepper;',
        'export { gdpr, pepper };',
      ].join('\n'),
    });
    const run = captureIo(folder);
    expect(await runCli(['init'], run.io)).toBe(0);
    expect(run.out()).toContain('gdpr-mail.config.d.mts');
    expect(run.out()).toContain("import config from './gdpr-mail.config.mjs';");
    for (const resolution of [
      { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
      { module: ts.ModuleKind.Preserve, moduleResolution: ts.ModuleResolutionKind.Bundler },
    ]) {
      const program = ts.createProgram([join(folder, 'app.ts')], {
        ...resolution,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      });
      const errors = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(errors).toEqual([]);
    }

    // Run again beside an existing config: the types are not secrets, so a missing file is
    // written without --force (which would replace the secrets).
    rmSync(join(folder, 'gdpr-mail.config.d.mts'));
    const again = captureIo(folder);
    expect(await runCli(['init'], again.io)).toBe(1);
    expect(again.out()).toContain('Wrote gdpr-mail.config.d.mts');
    expect(existsSync(join(folder, 'gdpr-mail.config.d.mts'))).toBe(true);
  });
});
