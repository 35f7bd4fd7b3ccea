import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build: the PGlite worker resolves PGlite from this package.
  shims: true,
  external: ['pg', '@electric-sql/pglite', '@gdpr-mail/core'],
});
