import type { ProviderEvent } from '@gdpr-mail/core';

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

function addresses(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((a): a is string => typeof a === 'string') : [];
}

function addressOf(recipient: Recipient): string {
  return typeof recipient.emailAddress === 'string' ? recipient.emailAddress : '';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The provider events in one SES notification (the `Message` of an SNS
 * Notification), from identity notifications (`notificationType`) and from
 * configuration-set event publishing (`eventType`) alike:
 * a Permanent bounce is a `hard-bounce` per bounced recipient, a Transient
 * one a `soft-bounce`, a complaint a `complaint`, anything else `other`.
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
          // A feedback report saying "not spam" is no complaint.
          type: feedback === 'not-spam' ? 'other' : 'complaint',
          email: addressOf(r),
          ...(feedback === undefined ? {} : { detail: feedback }),
          ...at(complaint.timestamp),
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
