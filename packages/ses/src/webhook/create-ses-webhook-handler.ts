import type { KeyObject } from 'node:crypto';
import {
  type GdprMail,
  GdprMailError,
  headerValue,
  type WebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from '@gdpr-mail/core';
import { sesNotificationEvents } from './ses-events.js';
import type { FetchCertificate, SesWebhookOptions } from './ses-webhook-options.js';
import { parseSnsMessage } from './sns-message.js';
import {
  isSnsSigningCertUrl,
  isSnsUrl,
  signatureAlgorithm,
  signingKey,
  verifySnsSignature,
} from './sns-signature.js';

const MAX_CERTIFICATE_BYTES = 64 * 1024;

function reply(status: number, body: string): WebhookResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

/** Default certificate fetch: global fetch, no redirects, a size cap. */
export const fetchSnsCertificate: FetchCertificate = async (url) => {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Fetching the SNS certificate answered ${response.status}.`);
  const pem = await response.text();
  if (pem.length > MAX_CERTIFICATE_BYTES) throw new Error('The SNS certificate is too large.');
  return pem;
};

async function confirmWithFetch(url: string): Promise<void> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Confirming the SNS subscription answered ${response.status}.`);
}

/** What the handler needs of the facade: only `providerEvents`. */
export type SesWebhookGdpr = Pick<GdprMail, 'providerEvents'>;

/**
 * The SNS endpoint for SES bounce and complaint notifications. Verifies every
 * message's signature (SignatureVersion 1 and 2) with the certificate at its
 * SigningCertURL, which must be an `https://sns.<region>.amazonaws.com` URL;
 * a forged, tampered or foreign message answers 401 and changes nothing.
 * Bounces and complaints go to `gdpr.providerEvents.apply` with the SNS
 * MessageId as event id, so SNS's redeliveries are idempotent.
 */
export function createSesWebhookHandler(
  gdpr: SesWebhookGdpr,
  options: SesWebhookOptions = {},
): WebhookHandler {
  const name = options.name ?? 'ses';
  if (!/^[a-z0-9-]+$/.test(name)) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `Webhook name "${name}" must be lower case letters, digits and dashes.`,
      { details: { field: 'name' } },
    );
  }
  const fetchCertificate = options.fetchCertificate ?? fetchSnsCertificate;
  const confirmSubscription = options.confirmSubscription ?? confirmWithFetch;
  const topics = options.topicArns === undefined ? undefined : new Set(options.topicArns);
  const now = options.now ?? (() => new Date());
  const certificates = new Map<string, Promise<string>>();

  function certificateFor(url: string): Promise<string> {
    let pem = certificates.get(url);
    if (pem === undefined) {
      pem = fetchCertificate(url);
      // A failed fetch is not cached: the next message tries again.
      pem.catch(() => certificates.delete(url));
      certificates.set(url, pem);
    }
    return pem;
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.method.toUpperCase() !== 'POST') {
      return { ...reply(405, 'Method not allowed'), headers: { allow: 'POST' } };
    }
    const message = parseSnsMessage(request.rawBody);
    if (message === undefined) return reply(400, 'Not an SNS message');
    const declaredType = headerValue(request, 'x-amz-sns-message-type');
    if (declaredType !== undefined && declaredType !== message.Type) {
      return reply(400, 'Message type header does not match the message');
    }
    if (signatureAlgorithm(message.SignatureVersion) === undefined) {
      return reply(400, 'Unsupported SNS SignatureVersion');
    }
    if (!isSnsSigningCertUrl(message.SigningCertURL)) {
      return reply(401, 'SigningCertURL is not an Amazon SNS certificate');
    }
    if (topics !== undefined && !topics.has(message.TopicArn)) {
      return reply(401, 'Topic not allowed');
    }
    let pem: string;
    try {
      pem = await certificateFor(message.SigningCertURL);
    } catch {
      // Not the sender's fault as far as we know: let SNS deliver again later.
      return reply(503, 'Signing certificate unavailable');
    }
    let key: KeyObject;
    try {
      key = signingKey(pem, now());
    } catch {
      return reply(401, 'Signing certificate not valid');
    }
    if (!verifySnsSignature(message, key)) return reply(401, 'Invalid SNS signature');

    if (message.Type === 'UnsubscribeConfirmation') return reply(200, 'ok');
    if (message.Type === 'SubscriptionConfirmation') {
      if (options.autoConfirm === false) return reply(200, 'subscription not confirmed');
      const url = message.SubscribeURL ?? '';
      if (!isSnsUrl(url)) return reply(400, 'SubscribeURL is not an Amazon SNS URL');
      try {
        await confirmSubscription(url);
      } catch {
        return reply(502, 'Subscription confirmation failed');
      }
      return reply(200, 'subscription confirmed');
    }

    let notification: unknown;
    try {
      notification = JSON.parse(message.Message);
    } catch {
      return reply(200, 'ignored: not an SES notification');
    }
    const events = sesNotificationEvents(notification, {
      eventId: message.MessageId,
      ...(options.provider === undefined ? {} : { provider: options.provider }),
    });
    if (events.length === 0) return reply(200, 'ignored');
    try {
      const outcomes = await gdpr.providerEvents.apply(events);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcomes: outcomes.map((o) => o.action) }),
      };
    } catch {
      // Nothing was written (one transaction): SNS delivers again.
      return reply(500, 'Could not apply the events');
    }
  }

  return {
    name,
    async handle(request) {
      try {
        return await handle(request);
      } catch {
        return reply(500, 'Internal error');
      }
    },
  };
}
