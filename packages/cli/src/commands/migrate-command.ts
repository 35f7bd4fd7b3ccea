import type { GdprMail } from '@gdpr-mail/core';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';

/**
 * `gdpr-mail migrate`: the SQL stores run their forward-only migrations when
 * they open (under an advisory lock); opening the configured store is the migration.
 */
export async function migrateCommand(gdpr: GdprMail, json: boolean, io: CliIo): Promise<number> {
  // Any read opens the store, and so migrates it.
  await gdpr.store.getAuditHead();
  // The schema of a SQL store, as the app made it: `gdpr.store` is core's encrypting layer
  // over it, which does not carry the SQL store's own fields.
  const made = (gdpr.config.store ?? gdpr.store) as { schema?: unknown };
  const schema = typeof made.schema === 'string' ? made.schema : undefined;
  const result = { store: gdpr.store.kind, ...(schema ? { schema } : {}), migrated: true };
  // `lazy` is the embedded store opened on first use (no `store` in the config).
  const name =
    result.store === 'lazy' ? 'The embedded store (storage.dir)' : `Store ${result.store}`;
  io.stdout(
    json
      ? `${JSON.stringify(result)}\n`
      : `${name}${schema ? ` (schema ${schema})` : ''} is up to date.\n`,
  );
  return EXIT.ok;
}
