import { defineConfig } from 'vitest/config';

// `pnpm test:install`: the new-user install check, apart from the unit projects
// because it packs, npm-installs and starts real apps (minutes, network to the registry).
export default defineConfig({
  test: {
    include: ['tests/install/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
