import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';

/** A Mailjet address object (`Email`, optional `Name`). */
export interface MailjetAddress {
  Email: string;
  Name?: string;
}

/** One entry of `Messages` in a Send API v3.1 request. */
export interface MailjetMessage {
  From: MailjetAddress;
  To: MailjetAddress[];
  ReplyTo?: MailjetAddress;
  Subject: string;
  TextPart?: string;
  HTMLPart?: string;
  Headers?: Record<string, string>;
  CustomID?: string;
  EventPayload?: string;
}

/** The body of `POST /v3.1/send`. */
export interface MailjetSendRequest {
  Messages: MailjetMessage[];
  SandboxMode?: boolean;
}

function address(box: Mailbox): MailjetAddress {
  return box.name === undefined ? { Email: box.address } : { Email: box.address, Name: box.name };
}

/**
 * Metadata key whose value becomes the `CustomID` of a message that has no
 * idempotency key. A message with an idempotency key always goes out with the
 * key as its `CustomID`: Mailjet's message list can be searched by `CustomID`
 * only, and `lookup` is given the idempotency key, so this is what lets it
 * find the message after an ambiguous send. The app's value still reaches
 * every Mailjet event in `EventPayload` (the event's `Payload`,
 * `{"metadata":{"customId":…}}`).
 */
export const CUSTOM_ID_METADATA_KEY = 'customId';

/**
 * A validated message as a Send API v3.1 entry. Headers go in `Headers`
 * unchanged, so List-Unsubscribe and List-Unsubscribe-Post reach the
 * recipient. `CustomID` (the idempotency key, else `metadata.customId`) and
 * `EventPayload` (tags and metadata as JSON) carry opaque ids only (validated
 * by core): Mailjet echoes them in its events.
 */
export function toMailjetMessage(message: ValidatedMessage): MailjetMessage {
  const entry: MailjetMessage = {
    From: address(message.from),
    To: [address(message.to)],
    Subject: message.subject,
  };
  if (message.replyTo) entry.ReplyTo = address(message.replyTo);
  if (message.text !== undefined) entry.TextPart = message.text;
  if (message.html !== undefined) entry.HTMLPart = message.html;
  if (Object.keys(message.headers).length > 0) entry.Headers = { ...message.headers };
  // The idempotency key first: it is what `lookupMailjetMessages` searches by.
  const customId = message.idempotencyKey ?? message.metadata?.[CUSTOM_ID_METADATA_KEY];
  if (customId !== undefined) entry.CustomID = customId;
  const payload: { tags?: readonly string[]; metadata?: Readonly<Record<string, string>> } = {};
  if (message.tags && message.tags.length > 0) payload.tags = message.tags;
  if (message.metadata && Object.keys(message.metadata).length > 0) {
    payload.metadata = message.metadata;
  }
  if (payload.tags || payload.metadata) entry.EventPayload = JSON.stringify(payload);
  return entry;
}
