import type { ResolvedConfig } from '../../config/config-schema.js';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import type { GdprMail } from '../../gdpr-mail.js';
import type { OpenApiDocument, OpenApiOptions } from './openapi-document.js';
import { openApiDocument } from './openapi-document.js';
import { openapiRoutes } from './openapi-routes.js';
import { createRouteContext } from './route-context.js';
import type { DocumentedRoute } from './route-doc.js';
import { routeTable } from './route-table.js';
import { createWebhookRoutes } from './webhook-routes.js';

export type { OpenApiDocument, OpenApiLicense, OpenApiOptions } from './openapi-document.js';
export { DEFAULT_OPENAPI_LICENSE } from './openapi-document.js';

/**
 * A `GdprMail` that only has its config: enough to build the route table (its
 * paths and docs come from the config), never to serve it.
 */
function describeOnly(config: ResolvedConfig): GdprMail {
  return new Proxy({ config } as GdprMail, {
    get(target, key) {
      if (key === 'config') return target.config;
      throw new GdprMailError(
        'CONFIG_INVALID',
        'Routes built to describe themselves cannot be served: use createGdprHandler.',
      );
    },
  });
}

/**
 * The route table for a config, as the OpenAPI document sees it: the same
 * route modules `createGdprRoutes` serves, plus the webhooks named and, with
 * `openapi`, the route that serves the document.
 */
export function describeGdprRoutes(
  config: ResolvedConfig,
  options: { webhooks?: readonly string[]; openapi?: boolean } = {},
): DocumentedRoute[] {
  const ctx = createRouteContext(describeOnly(config), { openapi: options.openapi ?? false });
  const unserved = async () => ({ status: 500 });
  const served: DocumentedRoute[] = [
    ...routeTable(ctx),
    ...createWebhookRoutes((options.webhooks ?? []).map((name) => ({ name, handle: unserved }))),
  ];
  return [...served, ...openapiRoutes(ctx, served)];
}

/**
 * The routes `createGdprRoutes` serves, as OpenAPI 3.1, generated from the
 * route table: paths come from the config (`links.paths`), the server URL
 * from `links.baseUrl`, request bodies from the zod schemas the routes parse
 * with.
 */
export function createGdprOpenApi(
  config: ResolvedConfig,
  options: OpenApiOptions = {},
): OpenApiDocument {
  const routes = describeGdprRoutes(config, {
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  return openApiDocument(routes, config, options);
}
