import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the named workspace packages for a test that runs their `dist/`.
 * `pnpm test` builds everything once before the unit tests and sets
 * GDPR_MAIL_BUILT=1: then this does nothing, so two test files never rebuild
 * (and wipe) a `dist/` the other one is importing. Alone (`vitest run <file>`),
 * it builds what the test needs.
 */
export function ensureBuilt(...packages: string[]): void {
  if (process.env.GDPR_MAIL_BUILT === '1') return;
  const filters = packages.flatMap((name) => ['--filter', name]);
  execFileSync('pnpm', [...filters, 'run', 'build'], {
    cwd: root,
    stdio: 'ignore',
    timeout: 170_000,
  });
}
