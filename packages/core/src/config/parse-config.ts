import type { z } from 'zod';
import type { GdprMailErrorIssue } from '../errors/gdpr-mail-error.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { ResolvedConfig } from './config-schema.js';
import { configSchema } from './config-schema.js';

export function formatIssues(issues: readonly z.core.$ZodIssue[]): GdprMailErrorIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses the whole config and reports every bad field at once, by path. */
export function parseConfig(input: unknown): ResolvedConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = formatIssues(result.error.issues);
  throw new GdprMailError(
    'CONFIG_INVALID',
    `Invalid gdpr-mail config:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    { issues },
  );
}
