import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GdprMailConfig } from '@gdpr-mail/core';
import { UsageError } from './cli-io.js';

export const DEFAULT_CONFIG_FILES = [
  'gdpr-mail.config.mjs',
  'gdpr-mail.config.js',
  'gdpr-mail.config.cjs',
  'gdpr-mail.config.json',
] as const;

/**
 * Loads the app's config module: its default export is the config object, or a
 * (possibly async) function returning it, so it can open a database pool.
 */
export async function loadConfig(cwd: string, explicit?: string): Promise<GdprMailConfig> {
  const path = configPath(cwd, explicit);
  if (path.endsWith('.json')) return JSON.parse(await readFile(path, 'utf8')) as GdprMailConfig;
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const exported = mod.default;
  const value = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (typeof value !== 'object' || value === null) {
    throw new UsageError(
      `${path} must export a gdpr-mail config (or a function returning one) as default.`,
    );
  }
  return value as GdprMailConfig;
}

function configPath(cwd: string, explicit: string | undefined): string {
  const path = explicit
    ? resolve(cwd, explicit)
    : DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((p) => existsSync(p));
  if (!path || !existsSync(path)) {
    throw new UsageError(
      explicit
        ? `Config file not found: ${explicit}`
        : `No config file found. Create ${DEFAULT_CONFIG_FILES[0]} or pass --config <file>.`,
    );
  }
  return path;
}

/**
 * A named export of the config module besides the config, e.g. `bounces` (the
 * bounce mailbox reader's options): a value or a (possibly async) function
 * returning it; undefined when the module has no such export.
 */
export async function loadConfigExport(
  cwd: string,
  explicit: string | undefined,
  name: string,
): Promise<unknown> {
  const path = configPath(cwd, explicit);
  if (path.endsWith('.json')) return undefined;
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const exported = mod[name];
  return typeof exported === 'function' ? await (exported as () => unknown)() : exported;
}
