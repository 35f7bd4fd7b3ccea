import type { GdprRoutes } from './create-gdpr-routes.js';
import type { GdprRouteName } from './gdpr-http-types.js';
import { trimSlash } from './route-context.js';

/** One route of the table, as served under a mount path. */
export interface MountedRoute {
  name: GdprRouteName | `webhook:${string}`;
  method: 'GET' | 'POST';
  /** Under the mount path, e.g. `/gdpr/confirm/:token`. */
  path: string;
}

/**
 * Where an adapter serves the routes: `path`, by default the path of `links.baseUrl` (what the
 * mailed links point at), with one leading slash and none trailing (`''` at the root).
 */
export function resolveMountPath(baseUrl: string, path?: string): string {
  const trimmed = trimSlash(path ?? new URL(baseUrl).pathname);
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Every route of the table with its path under `mountPath`, the webhooks named `webhook:<name>`. */
export function listMountedRoutes(routes: GdprRoutes, mountPath = routes.basePath): MountedRoute[] {
  return [
    ...routes.routes,
    ...routes.webhooks.map((w) => ({ ...w, name: `webhook:${w.name}` as const })),
  ].map(({ name, method, path }) => ({ name, method, path: `${mountPath}${path}` }));
}
