import { z } from 'zod';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import type {
  WebhookHandler,
  WebhookRequest,
  WebhookResponse,
} from '../../webhooks/webhook-handler.js';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem-details.js';
import type { RouteDoc } from './route-doc.js';

/** The raw body of a provider event, read as sent: the handler checks its signature. */
export const webhookBodySchema = z
  .string()
  .describe('The body exactly as the provider sent it (SNS JSON, Mailjet or Brevo events)');

/** The doc of `POST /webhooks/{name}`, whichever provider it is. */
export function webhookRouteDoc(name: string): RouteDoc {
  return {
    operationId: `webhook-${name}`,
    summary: `Provider events from ${name} (bounces, complaints, unsubscribes) into suppression`,
    description:
      'The raw body is read as sent: the handler authenticates it (SNS signature, basic auth or a URL secret) before it changes anything.',
    tag: 'webhooks',
    body: { name: 'WebhookBody', schema: webhookBodySchema, required: true, media: 'raw' },
    answers: {
      200: { kind: 'text', description: 'Accepted (also on a replay)' },
      400: { kind: 'text', description: 'Unreadable payload; nothing changed' },
      401: { kind: 'text', description: 'Not authenticated; nothing changed' },
    },
    problems: ['PAYLOAD_TOO_LARGE', 'INTERNAL_ERROR'],
  };
}

/** A provider webhook as an adapter mounts it: `POST {basePath}{path}` with the raw body. */
export interface WebhookRoute {
  name: string;
  method: 'POST';
  /** Relative to the mount point: `/webhooks/{name}`. */
  path: string;
  doc: RouteDoc;
  /** Never throws: an unexpected failure is a 500 problem that says nothing of the payload. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function createWebhookRoutes(
  handlers: readonly WebhookHandler[],
  onError?: (error: unknown, request: WebhookRequest, route: string) => void,
): WebhookRoute[] {
  const seen = new Set<string>();
  return handlers.map((handler) => {
    if (!NAME.test(handler.name) || seen.has(handler.name)) {
      throw new GdprMailError(
        'CONFIG_INVALID',
        `Webhook name "${handler.name}" must be unique, lower case letters, digits and dashes.`,
      );
    }
    seen.add(handler.name);
    return {
      name: handler.name,
      method: 'POST',
      path: `/webhooks/${handler.name}`,
      doc: webhookRouteDoc(handler.name),
      async handle(request) {
        try {
          return await handler.handle(request);
        } catch (error) {
          onError?.(error, request, `/webhooks/${handler.name}`);
          return {
            status: 500,
            headers: { 'content-type': PROBLEM_CONTENT_TYPE },
            body: JSON.stringify(problem('INTERNAL_ERROR', 'The event could not be processed.')),
          };
        }
      },
    };
  });
}
