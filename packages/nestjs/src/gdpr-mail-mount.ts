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
import { rememberHandler } from './gdpr-mail-mount-middleware.js';

export type { MountedRoute } from '@gdpr-mail/core/http';

/** A Nest middleware, as both platforms call it (Express's req/res, or Node's under Fastify). */
export type GdprMailMiddleware = NodeMiddleware;

export interface GdprMailMount {
  /** Where the routes are served, relative to the app's global prefix. */
  path: string;
  routes: GdprRoutes;
  mounted: readonly MountedRoute[];
  /**
   * The core handler, translated, for requests whose path starts with `path`. The module binds
   * it with the app's global prefix in front; bound by hand behind a prefix, it answers nothing.
   */
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
  const served = serveGdprRoutes(routes, handlerOptions);
  const handler = toNodeMiddleware(served, { mountPath });
  const mount = { path: mountPath, routes, mounted: listMountedRoutes(routes, mountPath), handler };
  rememberHandler(mount, served);
  return mount;
}
