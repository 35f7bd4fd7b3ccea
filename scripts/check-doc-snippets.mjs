// Type-checks every ```ts / ```js block of docs/*.md and packages/*/README.md
// against the workspace sources, so the guides cannot drift from the API.
// A block fenced ```ts nocheck is shown but not compiled (fragments, pseudo-code).
// Each block is a module; a small prelude declares the names guides take as given
// (an instance `gdpr`, an `email`, an Express `app`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.tmp', 'doc-snippets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const PRELUDE = `import type { GdprMail } from '@gdpr-mail/core';
import type { Express, Request } from 'express';
declare const gdpr: GdprMail;
declare const email: string;
declare const app: Express;
declare const req: Request;
export {};
`;

const docs = [
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f)),
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md')),
];
const index = [];
for (const file of docs) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue;
  }
  const fence = /^```(ts|typescript|js|javascript)(?![A-Za-z])([^\n]*)\n([\s\S]*?)^```$/gm;
  let n = 0;
  for (const match of text.matchAll(fence)) {
    const [, , info, code] = match;
    if (/\bnocheck\b/.test(info)) continue;
    n += 1;
    const line = text.slice(0, match.index).split('\n').length;
    // JavaScript blocks are checked as TypeScript too: stricter, and the API is typed.
    const name = `${relative(root, file).replaceAll(/[/.]/g, '_')}_${n}.ts`;
    // A block that declares one of the prelude's names itself keeps its own.
    const prelude = PRELUDE.split('\n')
      .filter((line) => {
        const declared = /^declare const (\w+)/.exec(line)?.[1];
        return !declared || !new RegExp(`\\b(const|let|var|function)\\s+${declared}\\b`).test(code);
      })
      .join('\n');
    writeFileSync(join(out, name), `${prelude}// ${relative(root, file)}:${line}\n${code}`);
    index.push(name);
  }
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: {
      noEmit: true,
      noUnusedLocals: false,
      allowJs: true,
      checkJs: false,
      module: 'Preserve',
      moduleResolution: 'Bundler',
    },
    include: ['*.ts'],
  }),
);
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], {
    stdio: 'pipe',
    encoding: 'utf8',
  });
  console.log(`✓ ${index.length} doc snippets type-check`);
} catch (error) {
  console.error(String(error.stdout ?? error));
  console.error(`✗ doc snippets failed to type-check (files in ${relative(root, out)})`);
  process.exit(1);
}
