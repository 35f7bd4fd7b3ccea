import type { ResolvedConfig } from '../config/config-schema.js';

export type LinkKind = keyof ResolvedConfig['links']['paths'];

/** `<baseUrl><path>/<token>`: tokens are URL-safe, so nothing needs escaping. */
export function linkUrl(config: ResolvedConfig, kind: LinkKind, token: string): string {
  const base = config.links.baseUrl.replace(/\/+$/, '');
  const path = config.links.paths[kind].replace(/\/+$/, '');
  return `${base}${path}/${token}`;
}
