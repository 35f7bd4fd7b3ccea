import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GdprMail } from '@gdpr-mail/core';
import type { GdprRouteName, GdprRoutes, NodeHttpRequest } from '@gdpr-mail/core/http';
import {
  createGdprRoutes,
  nodeToFetchRequest,
  serveGdprRoutes,
  writeFetchResponse,
} from '@gdpr-mail/core/http';
import type { GdprMailRoutesOptions } from '../module/gdpr-mail-options.js';

/** A Nest middleware, as both platforms call it (Express's req/res, or Node's under Fastify). */
export type GdprMailMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

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

function trimSlash(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * The core Fetch handler as a Nest middleware: translation only, every
 * decision (routing, bodies and their limits, CSRF, problems) stays in core.
 */
export function createGdprMailMount(
  gdpr: GdprMail,
  options: GdprMailRoutesOptions = {},
): GdprMailMount {
  const { path, bodyLimit, webhookBodyLimit, ...routeOptions } = options;
  const routes = createGdprRoutes(gdpr, routeOptions);
  const serve = serveGdprRoutes(routes, {
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    ...(webhookBodyLimit !== undefined ? { webhookBodyLimit } : {}),
  });
  const mountPath = trimSlash(path ?? new URL(gdpr.config.links.baseUrl).pathname);
  const mounted: MountedRoute[] = [
    ...routes.routes.map((r) => ({
      name: r.name,
      method: r.method,
      path: `${mountPath}${r.path}`,
    })),
    ...routes.webhooks.map((w) => ({
      name: `webhook:${w.name}` as const,
      method: w.method,
      path: `${mountPath}${w.path}`,
    })),
  ];

  const handler: GdprMailMiddleware = (req, res, next) => {
    // The path below the mount, wherever the app's global prefix put the mount.
    const original = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const at = original.indexOf(mountPath);
    const below = at < 0 ? original : original.slice(at + mountPath.length);
    const url = `http://localhost${serve.basePath}${below.startsWith('?') ? `/${below}` : below}`;
    const ip = (req as { ip?: string }).ip ?? req.socket.remoteAddress;
    const { request, context } = nodeToFetchRequest(req as NodeHttpRequest, url, { ip });
    serve(request, context).then((response) => writeFetchResponse(res, response), next);
  };
  return { path: mountPath, routes, mounted, handler };
}
