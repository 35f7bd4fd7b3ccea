import { GdprMailError } from '@gdpr-mail/core';

const PGLITE = '@electric-sql/pglite';

/**
 * The typed error for an app without the optional peer `@electric-sql/pglite`: the
 * embedded store needs it, and `createGdprMail` opens that store when the config names
 * none, so an app (or a `gdpr-mail` command) given no `store` met Node's bare
 * ERR_MODULE_NOT_FOUND from inside this package. Undefined for any other error, a
 * missing dependency of PGlite itself included.
 */
export function pgliteMissing(error: unknown): GdprMailError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  // "Cannot find package '@electric-sql/pglite' imported from …" (import) or
  // "Cannot find module '@electric-sql/pglite'" (require.resolve).
  if (typeof message !== 'string' || !message.includes(`'${PGLITE}'`)) return undefined;
  return new GdprMailError(
    'CONFIG_INVALID',
    `${PGLITE} is not installed. The embedded store (createPgliteStore, which createGdprMail ` +
      'opens in storage.dir when the config has no `store`) needs it: run ' +
      `\`npm install ${PGLITE}\`, or give the config a \`store\`, such as ` +
      'createPostgresStore({ pool }) for a PostgreSQL server (for the gdpr-mail CLI too, in its config module).',
    { cause: error },
  );
}
