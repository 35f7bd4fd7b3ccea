import type { GdprMail } from '@gdpr-mail/core';
import type { GdprRouteName, GdprRoutes, NodeMiddleware } from '@gdpr-mail/core/http';
import { createGdprRoutes, serveGdprRoutes, toNodeMiddleware } from '@gdpr-mail/core/http';
import type { GdprMailRoutesOptions } from './gdpr-mail.module.js';

/** A Nest middleware, as both platforms call it (Express's req/res, or Node's under Fastify). */
export type GdprMailMiddleware = NodeMiddleware;

/** One route of the table, as served under the mount. */
export interface MountedRoute {
  name: GdprRouteName | `webhook:${string}`;
  method: 'GET' | 'POST';
  /** Relative to the app's global prefix, e.g. `/gdpr/confirm/:token`. */
  path: string;
}

export interface GdprMailMount {
  /** Where the routes are served, relative to the app's global prefix. */
  path: string;
  routes: GdprRoutes;
  mounted: readonly MountedRoute[];
  /** The one middleware bound on every method under `path`: the core handler, translated. */
  handler: GdprMailMiddleware;
}

/**
 * The core Fetch handler as a Nest middleware (`toNodeMiddleware`): translation only, every
 * decision (routing, bodies and their limits, CSRF, problems) stays in core.
 */
export function createGdprMailMount(
  gdpr: GdprMail,
  options: GdprMailRoutesOptions = {},
): GdprMailMount {
  const { path, ...handlerOptions } = options;
  const routes = createGdprRoutes(gdpr, handlerOptions);
  const trimmed = (path ?? new URL(gdpr.config.links.baseUrl).pathname).replace(/\/+$/, '');
  const mountPath = trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  const mounted = [
    ...routes.routes,
    ...routes.webhooks.map((w) => ({ ...w, name: `webhook:${w.name}` as const })),
  ].map(({ name, method, path }) => ({ name, method, path: `${mountPath}${path}` }));
  const handler = toNodeMiddleware(serveGdprRoutes(routes, handlerOptions), { mountPath });
  return { path: mountPath, routes, mounted, handler };
}
