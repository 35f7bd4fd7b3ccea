import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryStore } from './memory-store.js';
import type { GdprStore } from './store-types.js';

const POSTGRES_PACKAGE = '@gdpr-mail/postgres';

interface PostgresModule {
  createPgliteStore(options: { dataDir: string }): Promise<GdprStore>;
}

function isPostgresModule(value: unknown): value is PostgresModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { createPgliteStore?: unknown }).createPgliteStore === 'function'
  );
}

/**
 * core must not depend on @gdpr-mail/postgres (dependencies point one way),
 * so it is loaded at run time: first as a peer of core, then from the app
 * (the working directory), which is where a workspace or a hoisting-free
 * install puts it.
 */
async function importPostgres(): Promise<PostgresModule | undefined> {
  // A variable specifier: bundlers and tsc leave it alone, so nothing of the
  // optional package is needed to build or type-check core.
  const specifier: string = POSTGRES_PACKAGE;
  try {
    const loaded: unknown = await import(specifier);
    if (isPostgresModule(loaded)) return loaded;
  } catch {
    // Not resolvable from core: try from the app below.
  }
  try {
    const requireFromApp = createRequire(join(process.cwd(), 'package.json'));
    const manifestPath = requireFromApp.resolve(`${POSTGRES_PACKAGE}/package.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      exports?: { '.'?: { import?: { default?: string } } };
      module?: string;
    };
    const entry = manifest.exports?.['.']?.import?.default ?? manifest.module;
    if (entry === undefined) return undefined;
    const loaded: unknown = await import(pathToFileURL(join(dirname(manifestPath), entry)).href);
    return isPostgresModule(loaded) ? loaded : undefined;
  } catch {
    return undefined;
  }
}

let warned = false;

/**
 * The store used when the config names none: PGlite persisted in `dir`, or,
 * when @gdpr-mail/postgres is not installed, memory (with one clear warning:
 * nothing survives a restart then).
 */
export async function openDefaultStore(dir: string): Promise<GdprStore> {
  const postgres = await importPostgres();
  if (postgres) return postgres.createPgliteStore({ dataDir: resolve(dir) });
  if (!warned) {
    warned = true;
    console.warn(
      `[gdpr-mail] No store configured and ${POSTGRES_PACKAGE} is not installed: using an in-memory store. ` +
        'Consent proof, suppression and audit entries will be LOST on restart. ' +
        `Run \`npm install ${POSTGRES_PACKAGE} @electric-sql/pglite\` to keep them in ./.gdpr-mail, ` +
        'or pass `store` to createGdprMail.',
    );
  }
  return new MemoryStore();
}
