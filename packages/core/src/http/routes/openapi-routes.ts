import { openapiAnswer } from './answer-schemas.js';
import type { GdprRoute } from './gdpr-http-types.js';
import { openApiDocument } from './openapi-document.js';
import { jsonResponse } from './respond.js';
import type { RouteContext } from './route-context.js';
import type { DocumentedRoute, RouteDoc } from './route-doc.js';

const OPENAPI_DOC: RouteDoc = {
  summary: 'This OpenAPI document',
  tag: 'openapi',
  answers: {
    200: {
      kind: 'json',
      description: 'The OpenAPI 3.1 document of the routes served here',
      schema: openapiAnswer,
    },
  },
  problems: [],
};

/**
 * `GET {basePath}/openapi.json`, only when `openapi` is set: the document of
 * `served` (the rest of the route table and the webhooks) and of this route.
 * Built once: it depends on the config alone.
 */
export function openapiRoutes(ctx: RouteContext, served: readonly DocumentedRoute[]): GdprRoute[] {
  const setting = ctx.options.openapi;
  if (!setting) return [];
  const route = {
    name: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    doc: OPENAPI_DOC,
  } as const;
  const document = openApiDocument([...served, route], ctx.config, setting === true ? {} : setting);
  return [{ ...route, handle: async () => jsonResponse(200, document) }];
}
