import { consentRoutes } from './consent-routes.js';
import { dsarRoutes } from './dsar-routes.js';
import type { GdprRoute } from './gdpr-http-types.js';
import { preferenceRoutes } from './preference-routes.js';
import type { RouteContext } from './route-context.js';
import { trackingRoutes } from './tracking-routes.js';

/**
 * The route table, one module per route group: what `createGdprRoutes` serves
 * and what the OpenAPI document describes (each entry carries its `doc`).
 */
export function routeTable(ctx: RouteContext): GdprRoute[] {
  return [
    ...dsarRoutes(ctx),
    ...trackingRoutes(ctx),
    ...consentRoutes(ctx),
    ...preferenceRoutes(ctx),
  ];
}
