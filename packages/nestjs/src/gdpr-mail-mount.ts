import type { GdprMail } from '@gdpr-mail/core';
import type { GdprRoutes, MountedRoute, NodeMiddleware } from '@gdpr-mail/core/http';
import {
  createGdprRoutes,
  listMountedRoutes,
  resolveMountPath,
  serveGdprRoutes,
  toNodeMiddleware,
} from '@gdpr-mail/core/http';
import type { GdprMailRoutesOptions } from './gdpr-mail.module.js';

export type { MountedRoute } from '@gdpr-mail/core/http';

/** A Nest middleware, as both platforms call it (Express's req/res, or Node's under Fastify). */
export type GdprMailMiddleware = NodeMiddleware;

export interface GdprMailMount {
  /** Where the routes are served, relative to the app's global prefix. */
  path: string;
  routes: GdprRoutes;
  mounted: readonly MountedRoute[];
  /** The one middleware bound on every method under `path`: the core handler, translated. */
  handler: GdprMailMiddleware;
}

/** The core handler as a Nest middleware: translation only, every decision stays in core. */
export function createGdprMailMount(
  gdpr: GdprMail,
  options: GdprMailRoutesOptions = {},
): GdprMailMount {
  const { path, ...handlerOptions } = options;
  const routes = createGdprRoutes(gdpr, handlerOptions);
  const mountPath = resolveMountPath(gdpr.config.links.baseUrl, path);
  const handler = toNodeMiddleware(serveGdprRoutes(routes, handlerOptions), { mountPath });
  return { path: mountPath, routes, mounted: listMountedRoutes(routes, mountPath), handler };
}
