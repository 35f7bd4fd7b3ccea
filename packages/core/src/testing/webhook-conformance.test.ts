import type { GdprMail } from '../gdpr-mail.js';
import { constantTimeEqual } from '../webhooks/constant-time.js';
import type { ProviderEvent, ProviderEventType } from '../webhooks/provider-events.js';
import {
  headerValue,
  type WebhookHandler,
  type WebhookRequest,
} from '../webhooks/webhook-handler.js';
import { runWebhookConformance, type WebhookFixtureEvent } from './webhook-conformance.js';

const TOKEN = 'example-webhook-token-0123456789';
const TYPES: Record<string, ProviderEventType> = { bounce: 'hard-bounce', spam: 'complaint' };

/** The smallest correct handler: bearer token, one event per entry, unknown types as `other`. */
function exampleHandler(gdpr: GdprMail): WebhookHandler {
  return {
    name: 'example',
    async handle(request) {
      if (!constantTimeEqual(headerValue(request, 'authorization') ?? '', `Bearer ${TOKEN}`)) {
        return { status: 401 };
      }
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch {
        return { status: 400 };
      }
      if (!Array.isArray(body)) return { status: 400 };
      const events: ProviderEvent[] = body.map((entry: Record<string, unknown>) => ({
        provider: 'example',
        type: TYPES[String(entry.kind)] ?? 'other',
        email: String(entry.to),
        eventId: String(entry.id),
      }));
      try {
        await gdpr.providerEvents.apply(events);
        return { status: 200 };
      } catch {
        return { status: 500 };
      }
    },
  };
}

let id = 0;
function call(events: readonly WebhookFixtureEvent[], token = TOKEN): WebhookRequest {
  const kind = { 'hard-bounce': 'bounce', complaint: 'spam', unknown: 'hologram' };
  id += 1;
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    query: {},
    rawBody: JSON.stringify(events.map((e) => ({ id: `e${id}`, kind: kind[e.type], to: e.email }))),
  };
}

runWebhookConformance('example bearer-token handler', {
  makeHandler: exampleHandler,
  genuine: (events) => call(events),
  forged: (events) => ({
    'a wrong token': call(events, 'guessed'),
    'no token': { ...call(events), headers: {} },
  }),
});
