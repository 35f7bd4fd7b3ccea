import type { GdprRoute } from './gdpr-http-types.js';
import { createGdprOpenApi } from './openapi.js';
import { jsonResponse } from './respond.js';
import type { RouteContext } from './route-context.js';

/**
 * `GET {basePath}/openapi.json`, only when `openapi` is set: the document of
 * the routes this handler serves, webhooks included. Built once: it depends
 * on the config alone.
 */
export function openapiRoutes(ctx: RouteContext): GdprRoute[] {
  const setting = ctx.options.openapi;
  if (!setting) return [];
  const document = createGdprOpenApi(ctx.config, {
    ...(setting === true ? {} : setting),
    webhooks: (ctx.options.webhooks ?? []).map((handler) => handler.name),
  });
  return [
    {
      name: 'openapi',
      method: 'GET',
      path: '/openapi.json',
      handle: async () => jsonResponse(200, document),
    },
  ];
}
