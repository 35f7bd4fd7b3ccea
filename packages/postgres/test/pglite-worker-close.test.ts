import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('closing a worker-thread PGlite store', () => {
  // The worker is unreferenced once idle; while it terminates it must be
  // referenced again, or a script whose last work is close() exits (code 13,
  // "unsettled top-level await") before close() resolves.
  it('resolves close() in a process with nothing else to keep it alive', async () => {
    const child = join(__dirname, 'fixtures', 'worker-close-child.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child], {
      cwd: root,
      timeout: 110_000,
    });
    expect(stdout.trim()).toBe('closed');
  }, 120_000);
});
