import { defineConfig } from 'tsup';

// With @swc/core installed and `emitDecoratorMetadata` in tsconfig.json, tsup
// compiles the sources with swc, so Nest's decorators and their metadata survive.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [
    '@gdpr-mail/core',
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/platform-express',
    'express',
    'reflect-metadata',
    'rxjs',
  ],
});
