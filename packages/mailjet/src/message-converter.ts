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
 * Metadata key whose value becomes the `CustomID` (else the idempotency key).
 * Setting it gives up `lookup` for that message: the lookup searches Mailjet by
 * `CustomID` = idempotency key, so a message sent with another `CustomID`
 * always looks up as `unknown` (see `lookupMailjetMessages`).
 */
export const CUSTOM_ID_METADATA_KEY = 'customId';

/**
 * A validated message as a Send API v3.1 entry. Headers go in `Headers`
 * unchanged, so List-Unsubscribe and List-Unsubscribe-Post reach the
 * recipient. `CustomID` and `EventPayload` carry opaque ids only (validated
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
  const customId = message.metadata?.[CUSTOM_ID_METADATA_KEY] ?? message.idempotencyKey;
  if (customId !== undefined) entry.CustomID = customId;
  const payload: { tags?: readonly string[]; metadata?: Readonly<Record<string, string>> } = {};
  if (message.tags && message.tags.length > 0) payload.tags = message.tags;
  if (message.metadata && Object.keys(message.metadata).length > 0) {
    payload.metadata = message.metadata;
  }
  if (payload.tags || payload.metadata) entry.EventPayload = JSON.stringify(payload);
  return entry;
}
