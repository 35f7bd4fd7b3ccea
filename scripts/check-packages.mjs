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
process.exit(failed ? 1 : 0);
