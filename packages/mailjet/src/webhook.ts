import {
  constantTimeEqual,
  GdprMailError,
  headerValue,
  type ProviderEvent,
  type ProviderEventService,
  type WebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from '@gdpr-mail/core';
import { parseJsonKeepingIds } from './json-big-int.js';
import { toProviderEvent } from './webhook-events.js';

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
