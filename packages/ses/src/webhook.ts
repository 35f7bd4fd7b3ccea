import type { KeyObject } from 'node:crypto';
import type { ProviderEvent } from '@gdpr-mail/core';
import {
  type GdprMail,
  GdprMailError,
  type WebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from '@gdpr-mail/core';
import { headerValue } from '@gdpr-mail/core/internal';
import { parseSnsMessage } from './sns-message.js';
import {
  isSnsSigningCertUrl,
  isSnsUrl,
  SNS_TOPIC_ARN_PATTERN,
  signatureAlgorithm,
  signingKey,
  verifySnsSignature,
} from './sns-signature.js';

/** Fetches the PEM at an SNS SigningCertURL (already checked to be an SNS URL). */
export type FetchCertificate = (url: string) => Promise<string>;
/** Visits an SNS SubscribeURL (already checked to be an SNS URL); throws when it fails. */
export type ConfirmSubscription = (url: string) => Promise<void>;

export interface SesWebhookOptions {
  /** URL segment and log name. Default `ses`. */
  name?: string;
  /**
   * Required: the ARNs of the SNS topics allowed to post here, e.g.
   * `arn:aws:sns:eu-west-1:123456789012:ses-events`. A genuine SNS message
   * from any other topic (anyone can create one and point it at this URL)
   * answers 401 before any certificate is fetched, and its subscription is
   * never confirmed.
   */
  topicArns: readonly string[];
  /** Default: global fetch, https only, cached per URL for the process lifetime. */
  fetchCertificate?: FetchCertificate;
  /** Default: a GET of the SubscribeURL with global fetch. */
  confirmSubscription?: ConfirmSubscription;
  /** Confirm SubscriptionConfirmation messages from allowed topics. Default true. */
  autoConfirm?: boolean;
  /** Provider name written on the events and in the audit. Default `ses`. */
  provider?: string;
  /** The clock for the certificate validity check and the message age. */
  now?: () => Date;
}

/**
 * How old (by its signed `Timestamp`) a message may be: two hours. SNS stops
 * redelivering to an HTTP(S) endpoint within 3,600 s (a hard limit), so an
 * older message is a replay of a captured one.
 */
const MAX_MESSAGE_AGE_MS = 2 * 60 * 60 * 1000;
/** How far ahead of our clock a message's Timestamp may be. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

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

function configError(field: string, message: string): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', `SES webhook: ${message}`, {
    details: { field },
    issues: [{ path: field, message }],
  });
}

function allowedTopics(value: unknown): ReadonlySet<string> {
  if (value === undefined) {
    throw configError(
      'topicArns',
      'topicArns is required: list the ARNs of your SNS topics (arn:aws:sns:<region>:<account>:<topic>); without it any AWS account could post here.',
    );
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw configError('topicArns', 'topicArns must be a non-empty array of SNS topic ARNs.');
  }
  value.forEach((arn: unknown, index) => {
    // Exact ARNs of the commercial, GovCloud, China or European Sovereign Cloud
    // partition, no wildcards: one account's topic never stands for another's.
    if (typeof arn !== 'string' || !SNS_TOPIC_ARN_PATTERN.test(arn)) {
      throw configError(
        `topicArns.${index}`,
        `topicArns[${index}] is not an SNS topic ARN (arn:aws:sns:<region>:<12-digit account>:<topic>).`,
      );
    }
  });
  return new Set(value as string[]);
}

/**
 * Whether a SubscribeURL confirms a subscription to `topicArn` and nothing
 * else: an SNS URL whose Action is ConfirmSubscription and whose TopicArn is
 * the message's (already checked to be allowed).
 */
function confirmsTopic(subscribeUrl: string, topicArn: string): boolean {
  if (!isSnsUrl(subscribeUrl)) return false;
  const params = new URL(subscribeUrl).searchParams;
  return (
    params.get('Action') === 'ConfirmSubscription' &&
    params.getAll('TopicArn').length === 1 &&
    params.get('TopicArn') === topicArn
  );
}

/** What the handler needs of the facade: only `providerEvents`. */
export type SesWebhookGdpr = Pick<GdprMail, 'providerEvents'>;

/**
 * The SNS endpoint for SES bounce and complaint notifications. Accepts only
 * messages from the topics in `topicArns` (required), checked before
 * anything is fetched; verifies every message's signature (SignatureVersion
 * 1 and 2) with the certificate at its SigningCertURL, which must be
 * `https://sns.<region>.amazonaws.com/….pem` (`.amazonaws.com.cn` in China,
 * `.amazonaws.eu` in the European Sovereign Cloud); a forged, tampered or
 * foreign message, or one whose signed Timestamp is older than SNS's
 * redelivery window (a replay), answers 401 and changes nothing. Bounces and complaints go
 * to `gdpr.providerEvents.apply` with the SNS MessageId as event id, so SNS's
 * redeliveries are idempotent; each recipient is handled apart, so one
 * malformed address is reported as rejected and does not hold back the others.
 */
export function createSesWebhookHandler(
  gdpr: SesWebhookGdpr,
  options: SesWebhookOptions,
): WebhookHandler {
  if (typeof options !== 'object' || options === null) {
    throw configError('topicArns', 'options with topicArns are required.');
  }
  const name = options.name ?? 'ses';
  if (!/^[a-z0-9-]+$/.test(name)) {
    throw configError(
      'name',
      `Webhook name "${name}" must be lower case letters, digits and dashes.`,
    );
  }
  const topics = allowedTopics(options.topicArns);
  const fetchCertificate = options.fetchCertificate ?? fetchSnsCertificate;
  const confirmSubscription = options.confirmSubscription ?? confirmWithFetch;
  const now = options.now ?? (() => new Date());

  /** Whether the signed Timestamp is within the window (a replay of an old message is not). */
  function fresh(timestamp: string): boolean {
    // SNS writes ISO 8601 UTC (`2026-12-04T02:00:00.000Z`); nothing else is accepted.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/.test(timestamp)) return false;
    const at = Date.parse(timestamp);
    if (Number.isNaN(at)) return false;
    const age = now().getTime() - at;
    return age <= MAX_MESSAGE_AGE_MS && age >= -MAX_CLOCK_SKEW_MS;
  }
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
    if (!topics.has(message.TopicArn)) {
      return reply(401, 'Topic not allowed');
    }
    // The Timestamp is signed: checked here, verified below. A captured message
    // replayed later (after a suppression was lifted, say) changes nothing.
    if (!fresh(message.Timestamp)) {
      return reply(401, 'SNS message is outside the accepted time window');
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
      if (!confirmsTopic(url, message.TopicArn)) {
        return reply(400, 'SubscribeURL is not an Amazon SNS confirmation for this topic');
      }
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
      // Each recipient stands apart: a malformed address is reported here
      // (by position, never by value) and the 200 stops SNS redelivering.
      const rejected = outcomes.filter((o) => o.action === 'rejected').length;
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          outcomes: outcomes.map((o) => o.action),
          ...(rejected === 0 ? {} : { rejected }),
        }),
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

interface Recipient {
  emailAddress?: unknown;
  status?: unknown;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function recipients(value: unknown): Recipient[] {
  return Array.isArray(value) ? value.filter((r): r is Recipient => record(r) !== undefined) : [];
}

/**
 * The addresses of a `mail.destination` (or delivery) list. SES echoes the
 * recipients as they were sent, so a recipient sent with its display name
 * (`content: 'simple'` puts it there) reads `"Ada" <ada@example.test>`: the
 * address is the part in angle brackets.
 */
function bareAddress(value: string): string {
  return /<([^<>\s]+)>\s*$/.exec(value)?.[1] ?? value;
}

function addresses(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((a): a is string => typeof a === 'string').map(bareAddress);
}

function addressOf(recipient: Recipient): string {
  return typeof recipient.emailAddress === 'string' ? bareAddress(recipient.emailAddress) : '';
}

/** ARF Feedback-Types (RFC 5965, 6591, 6650) that are no complaint by the recipient. */
const NOT_A_COMPLAINT = new Set(['not-spam', 'auth-failure', 'virus']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The topics of a `TopicPreferences` object, each with its status (`OptIn`, `OptOut`). */
function topicStatuses(preferences: Record<string, unknown> | undefined): Map<string, string> {
  const statuses = new Map<string, string>();
  const list = preferences?.topicSubscriptionStatus;
  if (!Array.isArray(list)) return statuses;
  for (const entry of list) {
    const topic = record(entry);
    const name = text(topic?.topicName);
    const status = text(topic?.subscriptionStatus);
    // SES writes `OptOut`; its API spells the same status `OPT_OUT`.
    if (name !== undefined && status !== undefined) {
      statuses.set(name, status.replace(/_/g, '').toLowerCase());
    }
  }
  return statuses;
}

/**
 * Whether a `Subscription` event is the recipient opting out through SES's
 * own list management (the unsubscribe link or header SES adds to list mail):
 * `newTopicPreferences.unsubscribeAll` is true, or a topic is now `OptOut`
 * that was not before. A change that only opts in, or leaves every opt-out
 * as it was (an opt-in to another topic), is not one.
 */
function optedOut(subscription: Record<string, unknown>): boolean {
  const now = record(subscription.newTopicPreferences);
  if (now === undefined) return false;
  if (now.unsubscribeAll === true) return true;
  const before = topicStatuses(record(subscription.oldTopicPreferences));
  for (const [topic, status] of topicStatuses(now)) {
    if (status === 'optout' && before.get(topic) !== 'optout') return true;
  }
  return false;
}

/**
 * The provider events in one SES notification (the `Message` of an SNS
 * Notification), from identity notifications (`notificationType`) and from
 * configuration-set event publishing (`eventType`) alike:
 * a Permanent bounce is a `hard-bounce` per bounced recipient, a Transient
 * one a `soft-bounce`, a complaint a `complaint` (not when its feedback type
 * is `not-spam`, `auth-failure` or `virus`), a `Subscription` event that opts
 * the recipient out (SES list management: `unsubscribeAll`, or a topic gone
 * to `OptOut`) an `unsubscribe`, anything else `other`. A `Subscription`
 * event names no address of its own: it is about the message's recipient,
 * so only a message with exactly one (gdpr-mail sends one per message)
 * unsubscribes anyone; with several, nobody can tell who opted out and each
 * gets `other`.
 * `detail` holds SES's status code or sub-type, never the diagnostic text
 * (it may quote the address). A bounced or complained recipient without an
 * address string still yields its event (with an empty address), so that
 * `providerEvents.apply` reports it as rejected instead of it vanishing.
 */
export function sesNotificationEvents(
  notification: unknown,
  ids: { eventId: string; provider?: string },
): ProviderEvent[] {
  const body = record(notification);
  if (body === undefined) return [];
  const kind = text(body.notificationType) ?? text(body.eventType);
  const mail = record(body.mail);
  const providerMessageId = text(mail?.messageId);
  const provider = ids.provider ?? 'ses';
  const base = {
    provider,
    eventId: ids.eventId,
    ...(providerMessageId === undefined ? {} : { providerMessageId }),
  };
  const at = (value: unknown): { occurredAt?: Date } => {
    const parsed = typeof value === 'string' ? new Date(value) : undefined;
    return parsed === undefined || Number.isNaN(parsed.getTime()) ? {} : { occurredAt: parsed };
  };

  if (kind === 'Bounce') {
    const bounce = record(body.bounce) ?? {};
    const bounceType = text(bounce.bounceType);
    const type =
      bounceType === 'Permanent'
        ? 'hard-bounce'
        : bounceType === 'Transient'
          ? 'soft-bounce'
          : 'other';
    const subType = text(bounce.bounceSubType);
    return recipients(bounce.bouncedRecipients).map((r) => {
      const detail = text(r.status) ?? subType;
      return {
        ...base,
        type,
        email: addressOf(r),
        ...(detail === undefined ? {} : { detail }),
        ...at(bounce.timestamp),
      } satisfies ProviderEvent;
    });
  }
  if (kind === 'Complaint') {
    const complaint = record(body.complaint) ?? {};
    const feedback = text(complaint.complaintFeedbackType);
    return recipients(complaint.complainedRecipients).map(
      (r) =>
        ({
          ...base,
          // The ISP's ARF Feedback-Type: "not spam" reverses a complaint, an
          // auth-failure (RFC 6591) or virus report is about the message or the
          // sending domain. None of them is the person complaining.
          type:
            feedback !== undefined && NOT_A_COMPLAINT.has(feedback.toLowerCase())
              ? 'other'
              : 'complaint',
          email: addressOf(r),
          ...(feedback === undefined ? {} : { detail: feedback }),
          ...at(complaint.timestamp),
        }) satisfies ProviderEvent,
    );
  }
  if (kind === 'Subscription') {
    const subscription = record(body.subscription) ?? {};
    const destination = addresses(mail?.destination);
    const source = text(subscription.source);
    const type = destination.length === 1 && optedOut(subscription) ? 'unsubscribe' : 'other';
    return destination.map(
      (email) =>
        ({
          ...base,
          type,
          email,
          detail: source === undefined ? kind : `${kind}: ${source}`,
          ...at(subscription.timestamp),
        }) satisfies ProviderEvent,
    );
  }
  const delivery = record(body.delivery);
  const targets = delivery ? addresses(delivery.recipients) : addresses(mail?.destination);
  return targets.map((email) => ({
    ...base,
    type: 'other' as const,
    email,
    ...(kind === undefined ? {} : { detail: kind }),
  }));
}
