import {
  isValidEmail,
  type ProviderEvent,
  type ProviderEventType,
  redactAddresses,
} from '@gdpr-mail/core';
import { z } from 'zod';

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

export type MailjetEvent = z.infer<typeof mailjetEventSchema>;

/** Mailjet's event name → gdpr-mail's provider event type. */
export function mailjetEventType(event: MailjetEvent): ProviderEventType {
  switch (event.event) {
    case 'bounce':
      return event.hard_bounce === true ? 'hard-bounce' : 'soft-bounce';
    case 'spam':
      return 'complaint';
    case 'blocked':
      return 'blocked';
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
  const parsed = mailjetEventSchema.safeParse(raw);
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
