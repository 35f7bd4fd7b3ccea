import type { GdprMail } from '@gdpr-mail/core';
import type { OpenApiDocument, OpenApiOptions } from '@gdpr-mail/core/http';
import { createGdprOpenApi } from '@gdpr-mail/core/http';

/**
 * The OpenAPI 3.1 document of the routes `gdprMailRouter` mounts for this
 * config, generated from the route table; pass `webhooks: ['ses', 'mailjet']`
 * to list the provider endpoints, `license` for `info.license` (default MIT).
 */
export function gdprMailOpenApi(gdpr: GdprMail, options?: OpenApiOptions): OpenApiDocument {
  return createGdprOpenApi(gdpr.config, options);
}
