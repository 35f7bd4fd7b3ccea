// Type-checks every ```ts / ```js block of docs/*.md and packages/*/README.md
// against the workspace sources, so the guides cannot drift from the API.
// A block fenced ```ts nocheck is shown but not compiled (fragments, pseudo-code).
// Each block is a module; a small prelude declares the names guides take as given
// (an instance `gdpr`, an `email`, an Express `app`, `req`, `res`): scripts/doc-snippets.mjs.
// `pnpm test:install` also runs the blocks of the getting-started guides (tests/install).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { preludeFor, snippetsOf } from './doc-snippets.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.tmp', 'doc-snippets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const docs = [
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f)),
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md')),
];
const index = [];
for (const file of docs) {
  let snippets;
  try {
    snippets = snippetsOf(root, file);
  } catch {
    continue;
  }
  for (const { file: where, line, name, code } of snippets) {
    // JavaScript blocks are checked as TypeScript too: stricter, and the API is typed.
    writeFileSync(join(out, `${name}.ts`), `${preludeFor(code)}// ${where}:${line}\n${code}`);
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
