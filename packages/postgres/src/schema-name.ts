import { GdprMailError } from '@gdpr-mail/core';

export const DEFAULT_SCHEMA = 'gdpr_mail';

/** Validates a schema name and returns it quoted for SQL text (it cannot be a parameter). */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `Schema name "${schema}" must be lower-case letters, digits and underscores (at most 63).`,
      { details: { schema } },
    );
  }
  return `"${schema}"`;
}
