// Runs publint and @arethetypeswrong/cli on every publishable workspace package.
// Both read the built dist/, so run `pnpm build` first.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const dirs = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join(root, 'packages', e.name))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);

let failed = false;
for (const dir of dirs) {
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    // node10 resolution has no exports map; the packages declare node >= 20.
    ['attw', ['--pack', dir, '--profile', 'node16', '--format', 'ascii']],
  ]) {
    try {
      const out = execFileSync(bin(tool), args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      console.log(`✓ ${tool} ${dir.slice(root.length)}\n${out.trim()}\n`);
    } catch (error) {
      failed = true;
      console.error(
        `✗ ${tool} ${dir.slice(root.length)}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    }
  }
}
// What a publish would upload (the same file list as `pnpm publish --dry-run`): only the
// build, the docs and package.json; no sources, no tests; and source maps that carry their
// sources inline, so none of them points at a file outside the package.
const ALLOWED = /^(dist\/|schemas\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/;
for (const dir of dirs) {
  const name = dir.slice(root.length);
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const problems = [];
  for (const { path } of packed.files) {
    if (!ALLOWED.test(path)) problems.push(`unexpected file ${path}`);
    if (/\.test\.|(^|\/)test\//.test(path)) problems.push(`test file ${path}`);
    if (path.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(dir, path), 'utf8'));
      const inline = map.sourcesContent ?? [];
      if (map.sources.some((_source, i) => typeof inline[i] !== 'string')) {
        problems.push(`${path} needs files outside the package (sources without sourcesContent)`);
      }
    }
  }
  if (problems.length > 0) {
    failed = true;
    console.error(`✗ files ${name}\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`✓ files ${name}: ${packed.files.length} files, ${packed.size} bytes packed`);
  }
}
process.exit(failed ? 1 : 0);
