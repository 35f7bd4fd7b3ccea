import { defineConfig } from 'vitest/config';

// `pnpm test:install`: the new-user install check, apart from the unit projects
// because it packs, npm-installs and starts real apps (minutes, network to the registry),
// and runs the guides' samples in such an app (doc-samples.test.ts).
export default defineConfig({
  test: {
    include: ['tests/install/**/*.test.ts'],
    // One file at a time: each packs the workspace and npm-installs a fresh app, and
    // the first may build the packages; two at once would race on dist/.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
