import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = readdirSync(new URL('./packages/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Tests run against the sources of every workspace package, not their builds.
const alias = [
  { find: /^@gdpr-mail\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
  { find: /^@gdpr-mail\/core\/http$/, replacement: `${root}packages/core/src/http/index.ts` },
  {
    find: /^@gdpr-mail\/core\/internal$/,
    replacement: `${root}packages/core/src/internal/index.ts`,
  },
  ...packages.map((name) => ({
    find: new RegExp(`^@gdpr-mail/${name}$`),
    replacement: `${root}packages/${name}/src/index.ts`,
  })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: packages.map((name) => ({
      extends: true,
      test: {
        name,
        root: `${root}packages/${name}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        // After each file: no log line of the SDK holds an address or a token (issue #20).
        setupFiles: [`${root}tests/support/log-check.setup.ts`],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
