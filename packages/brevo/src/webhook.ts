import {
  GdprMailError,
  type ProviderEvent,
  type ProviderEventService,
  type ProviderEventType,
  redactAddresses,
  type WebhookHandler,
  type WebhookResponse,
} from '@gdpr-mail/core';
import { constantTimeEqual, headerValue } from '@gdpr-mail/core/internal';
import { z } from 'zod';

export interface BrevoWebhookOptions {
  /** URL segment and provider name of the events. Default `brevo`. */
  name?: string;
  /**
   * Credentials put in the notify URL at Brevo
   * (`https://user:pass@host/…`), checked on the `authorization` header.
   */
  basicAuth?: { username: string; password: string };
  /** The token set as `auth: { type: 'bearer', token }` when creating the webhook at Brevo. */
  bearerToken?: string;
}

/**
 * An optional field: Brevo sends `null` for one it has no value for (`reason`
 * on a delivery, `message-id` or `ts_epoch` on some events), which reads as
 * left out, never as a reason to drop the event. A value of another type (a
 * time as a string, an over-long id) is left out too: only `event` and `email`
 * decide whether the entry is usable, as for Mailjet, so a hard bounce is never
 * lost to a field gdpr-mail could do without.
 */
function absentOrNull<T extends z.ZodType>(type: T) {
  return type
    .nullish()
    .transform((value) => value ?? undefined)
    .optional()
    .catch(undefined);
}

/** The fields gdpr-mail reads from a Brevo transactional event; the others are ignored. */
const brevoEventSchema = z.looseObject({
  event: z.string().min(1).max(64),
  // An empty address names nobody: the entry is skipped like one without an address,
  // not reported as a rejected address.
  email: z.string().min(1).max(320),
  'message-id': absentOrNull(z.string().max(998)),
  ts_event: absentOrNull(z.number()),
  ts_epoch: absentOrNull(z.number()),
  reason: absentOrNull(z.string()),
});

export type BrevoEvent = z.infer<typeof brevoEventSchema>;

// Brevo posts snake_case names (hard_bounce) for webhooks created with
// camelCase ones (hardBounce): both forms are read.
const TYPE_BY_NAME: Record<string, ProviderEventType> = {
  hardbounce: 'hard-bounce',
  softbounce: 'soft-bounce',
  spam: 'complaint',
  unsubscribed: 'unsubscribe',
  blocked: 'blocked',
  // The recipient address does not exist or cannot: a permanent failure.
  invalid: 'hard-bounce',
  invalidemail: 'hard-bounce',
};

/** Brevo's event name → gdpr-mail's provider event type (`other` for delivered, opened, …). */
export function brevoEventType(name: string): ProviderEventType {
  return TYPE_BY_NAME[name.toLowerCase().replace(/[_-]/g, '')] ?? 'other';
}

/**
 * One Brevo event as a provider event, or `undefined` when it is not one
 * (no event name or address). The event id is the message id, the event name
 * and its time, so a replay matches the original. The address is passed on
 * as given: core refuses an invalid one for that event alone. An optional
 * field sent as `null` counts as absent.
 */
export function toProviderEvent(raw: unknown, provider: string): ProviderEvent | undefined {
  const parsed = brevoEventSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  const messageId = event['message-id'];
  const at = event.ts_epoch ?? (event.ts_event === undefined ? undefined : event.ts_event * 1000);
  const detail = event.reason ? redactAddresses(event.reason).slice(0, 200) : undefined;
  return {
    provider,
    type: brevoEventType(event.event),
    email: event.email,
    eventId: `${messageId ?? 'none'}:${event.event}:${at ?? 'none'}`,
    ...(messageId === undefined ? {} : { providerMessageId: messageId }),
    ...(detail === undefined ? {} : { detail }),
    ...(at === undefined || !Number.isFinite(at) ? {} : { occurredAt: new Date(at) }),
  };
}

const NAME = /^[a-z0-9-]+$/;

function json(status: number, body: Record<string, unknown>, extra = {}): WebhookResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...extra },
    body: JSON.stringify(body),
  };
}

function configError(message: string, path: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `Brevo webhook: ${message}`, {
    issues: [{ path, message }],
  });
}

/** The one `authorization` header value Brevo sends, from the options. */
function expectedAuthorization(options: BrevoWebhookOptions): string {
  const { basicAuth, bearerToken } = options;
  if ((basicAuth === undefined) === (bearerToken === undefined)) {
    throw configError('set basicAuth or bearerToken (one): Brevo events are unsigned', 'basicAuth');
  }
  if (basicAuth !== undefined) {
    if (!basicAuth.username || !basicAuth.password || basicAuth.username.includes(':')) {
      throw configError('basicAuth needs a username (no colon) and a password', 'basicAuth');
    }
    return `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
  }
  if (typeof bearerToken !== 'string' || bearerToken.length < 16 || /\s/.test(bearerToken)) {
    throw configError('bearerToken must be at least 16 characters, without spaces', 'bearerToken');
  }
  return `Bearer ${bearerToken}`;
}

/**
 * The endpoint for Brevo's transactional webhooks (mounted by the Express
 * router and the Nest controller at `POST {basePath}/webhooks/{name}`).
 * Brevo does not sign its events, so the handler requires the Basic auth or
 * bearer token set when the webhook was created, compared in constant time;
 * a call without it is refused with 401 and changes nothing. A body may hold
 * one event or, for batched webhooks, an array. Hard bounces, invalid
 * addresses, blocks, spam reports and unsubscribes are fed to
 * `gdpr.providerEvents.apply`, suppressed before the 200 goes out (REQ-13);
 * each event stands alone, replays change nothing, and other event types are
 * acknowledged and ignored.
 */
export function createBrevoWebhookHandler(
  gdpr: { providerEvents: ProviderEventService },
  options: BrevoWebhookOptions,
): WebhookHandler {
  const name = options.name ?? 'brevo';
  if (!NAME.test(name)) {
    throw configError('name must be lower-case letters, digits and dashes', 'name');
  }
  const expected = expectedAuthorization(options);
  const challenge =
    options.basicAuth === undefined
      ? { 'www-authenticate': 'Bearer realm="gdpr-mail webhooks"' }
      : { 'www-authenticate': 'Basic realm="gdpr-mail webhooks"' };

  return {
    name,
    async handle(request) {
      const given = headerValue(request, 'authorization') ?? '';
      if (!constantTimeEqual(given, expected)) {
        return json(401, { error: 'unauthenticated' }, challenge);
      }
      if (request.method.toUpperCase() !== 'POST') {
        return json(405, { error: 'method not allowed' });
      }
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch {
        body = undefined;
      }
      if (typeof body !== 'object' || body === null) {
        return json(400, { error: 'the body must be a JSON event or an array of events' });
      }
      const raw: unknown[] = Array.isArray(body) ? body : [body];
      const events = raw
        .map((entry) => toProviderEvent(entry, name))
        .filter((event): event is ProviderEvent => event !== undefined);
      try {
        const outcomes = await gdpr.providerEvents.apply(events);
        const count = (action: string) => outcomes.filter((o) => o.action === action).length;
        return json(200, {
          received: raw.length,
          suppressed: count('suppressed'),
          rejected: count('rejected'),
        });
      } catch {
        // Nothing was written (one transaction); Brevo retries a non-2xx.
        return json(500, { error: 'events could not be recorded; retry later' });
      }
    },
  };
}
