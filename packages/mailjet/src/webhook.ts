import {
  GdprMailError,
  isValidEmail,
  type ProviderEvent,
  type ProviderEventService,
  type ProviderEventType,
  redactAddresses,
  type WebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from '@gdpr-mail/core';
import { constantTimeEqual, headerValue } from '@gdpr-mail/core/internal';
import { z } from 'zod';
import { parseJsonKeepingIds } from './http-client.js';

export interface MailjetWebhookOptions {
  /** URL segment and provider name of the events. Default `mailjet`. */
  name?: string;
  /**
   * HTTP basic auth credentials put in the webhook URL at Mailjet
   * (`https://user:pass@host/…`); checked on the `authorization` header.
   */
  basicAuth?: { username: string; password: string };
  /** A shared secret Mailjet sends in the query string (`?key=…`). */
  secret?: string;
  /** The query parameter holding `secret`. Default `key`. */
  secretParam?: string;
}

const NAME = /^[a-z0-9-]+$/;

function json(status: number, body: Record<string, unknown>): WebhookResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

function configError(message: string, path: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `Mailjet webhook: ${message}`, {
    issues: [{ path, message }],
  });
}

/**
 * The endpoint for Mailjet's event webhooks (the Express router and the Nest
 * controller mount it at `POST {basePath}/webhooks/{name}`). Mailjet does not
 * sign its events, so the handler requires basic auth, a URL secret, or both,
 * checked in constant time. Bounces (hard), spam reports, blocks and
 * unsubscribes are fed to `gdpr.providerEvents.apply` — suppressed before the
 * 200 goes out (REQ-13) — and replays change nothing.
 */
export function createMailjetWebhookHandler(
  gdpr: { providerEvents: ProviderEventService },
  options: MailjetWebhookOptions,
): WebhookHandler {
  const name = options.name ?? 'mailjet';
  if (!NAME.test(name))
    throw configError('name must be lower-case letters, digits and dashes', 'name');
  const { basicAuth, secret } = options;
  const secretParam = options.secretParam ?? 'key';
  if (basicAuth === undefined && secret === undefined) {
    throw configError('set basicAuth, secret or both: Mailjet events are unsigned', 'basicAuth');
  }
  if (basicAuth !== undefined && (!basicAuth.username || !basicAuth.password)) {
    throw configError('basicAuth needs a username and a password', 'basicAuth');
  }
  if (secret !== undefined && secret.length < 16) {
    throw configError('secret must be at least 16 characters', 'secret');
  }
  const expectedAuthorization =
    basicAuth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;

  function authenticated(request: WebhookRequest): boolean {
    let ok = true;
    if (expectedAuthorization !== undefined) {
      const given = headerValue(request, 'authorization') ?? '';
      // Both checks always run, so the timing does not tell which one failed.
      ok = constantTimeEqual(given, expectedAuthorization) && ok;
    }
    if (secret !== undefined) {
      const raw = request.query[secretParam];
      const given = typeof raw === 'string' ? raw : '';
      ok = constantTimeEqual(given, secret) && ok;
    }
    return ok;
  }

  return {
    name,
    async handle(request) {
      if (!authenticated(request)) {
        return {
          ...json(401, { error: 'unauthenticated' }),
          headers: {
            'content-type': 'application/json; charset=utf-8',
            ...(basicAuth ? { 'www-authenticate': 'Basic realm="gdpr-mail webhooks"' } : {}),
          },
        };
      }
      if (request.method.toUpperCase() !== 'POST')
        return json(405, { error: 'method not allowed' });
      const body = parseJsonKeepingIds(request.rawBody);
      if (body === undefined || typeof body !== 'object' || body === null) {
        return json(400, { error: 'the body must be a JSON event or an array of events' });
      }
      const raw: unknown[] = Array.isArray(body) ? body : [body];
      const events = raw
        .map((entry) => toProviderEvent(entry, name))
        .filter((event): event is ProviderEvent => event !== undefined);
      try {
        const outcomes = await gdpr.providerEvents.apply(events);
        return json(200, {
          received: raw.length,
          suppressed: outcomes.filter((o) => o.action === 'suppressed').length,
        });
      } catch {
        // Nothing was written (one transaction); Mailjet retries a non-200.
        return json(500, { error: 'events could not be recorded; retry later' });
      }
    },
  };
}

const id = z.union([z.string(), z.number()]).transform(String);

/** The fields gdpr-mail reads from a Mailjet event; the others are ignored. */
export const mailjetEventSchema = z.looseObject({
  event: z.string(),
  email: z.string(),
  time: z.number().optional(),
  MessageID: id.optional(),
  mj_message_id: id.optional(),
  hard_bounce: z.boolean().optional(),
  blocked: z.boolean().optional(),
  error_related_to: z.string().optional(),
  error: z.string().optional(),
  source: z.string().optional(),
});

const OPTIONAL_FIELDS: Readonly<Record<string, z.ZodType>> = {
  time: z.number(),
  MessageID: id,
  mj_message_id: id,
  error_related_to: z.string(),
  error: z.string(),
  source: z.string(),
};

/**
 * A Mailjet event as the schema reads it: a flag sent as `"true"` / `"false"`
 * becomes a boolean, and an optional field of an unexpected type (`""`, a
 * string time…) is left out rather than dropping the whole event (a spam
 * report with `"blocked": ""` is still a complaint). Only `event` and `email`
 * decide whether the entry is usable.
 */
function lenient(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const entry: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const key of ['hard_bounce', 'blocked']) {
    const value = entry[key];
    if (value === 'true' || value === 'false') entry[key] = value === 'true';
    else if (typeof entry[key] !== 'boolean') delete entry[key];
  }
  for (const [key, type] of Object.entries(OPTIONAL_FIELDS)) {
    if (key in entry && !type.safeParse(entry[key]).success) delete entry[key];
  }
  return entry;
}

export type MailjetEvent = z.infer<typeof mailjetEventSchema>;

/**
 * Mailjet's `error_related_to` categories that say nothing against the
 * address: the message's content or the sender was refused (`content`,
 * `spam`), or Mailjet itself failed (`system`). A `blocked` event or a
 * permanent bounce in one of them is about this message, not the person: it
 * must not suppress the recipient (a content block would otherwise suppress
 * a whole campaign's audience as hard bounces).
 */
const NOT_ABOUT_THE_ADDRESS = new Set(['content', 'spam', 'system']);

/**
 * Whether a failure's `error_related_to` / `error` pair is about the address
 * (Mailjet's error table): anything but the categories above, a greylisting
 * (temporary) or a `duplicate in campaign` block (the first copy went out).
 */
function aboutTheAddress(event: MailjetEvent): boolean {
  const category = event.error_related_to?.trim().toLowerCase();
  const error = event.error?.trim().toLowerCase();
  if (category !== undefined && NOT_ABOUT_THE_ADDRESS.has(category)) return false;
  return error !== 'greylisted' && error !== 'duplicate in campaign';
}

/** Mailjet's event name → gdpr-mail's provider event type. */
export function mailjetEventType(event: MailjetEvent): ProviderEventType {
  switch (event.event) {
    case 'bounce':
      return event.hard_bounce === true && aboutTheAddress(event) ? 'hard-bounce' : 'soft-bounce';
    case 'spam':
      return 'complaint';
    case 'blocked':
      return aboutTheAddress(event) ? 'blocked' : 'other';
    case 'unsub':
      return 'unsubscribe';
    default:
      return 'other';
  }
}

function detailOf(event: MailjetEvent): string | undefined {
  const parts =
    event.event === 'spam'
      ? [event.source]
      : [event.error_related_to, event.error].filter((part) => part !== undefined && part !== '');
  const text = parts.filter((part) => part !== undefined).join(': ');
  return text === '' ? undefined : redactAddresses(text).slice(0, 200);
}

/**
 * One Mailjet event as a provider event, or `undefined` when it is not one
 * gdpr-mail can use (no event name, no valid address). The event id is the
 * message id, the event name and its time, so a replay matches the original.
 */
export function toProviderEvent(raw: unknown, provider: string): ProviderEvent | undefined {
  const parsed = mailjetEventSchema.safeParse(lenient(raw));
  if (!parsed.success) return undefined;
  const event = parsed.data;
  if (!isValidEmail(event.email)) return undefined;
  const messageId = event.MessageID ?? event.mj_message_id;
  const detail = detailOf(event);
  return {
    provider,
    type: mailjetEventType(event),
    email: event.email,
    eventId: `${messageId ?? 'none'}:${event.event}:${event.time ?? 'none'}`,
    ...(messageId === undefined ? {} : { providerMessageId: messageId }),
    ...(detail === undefined ? {} : { detail }),
    ...(event.time === undefined ? {} : { occurredAt: new Date(event.time * 1000) }),
  };
}
