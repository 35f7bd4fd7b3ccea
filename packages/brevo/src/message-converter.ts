import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';

/** A Brevo address object. */
export interface BrevoAddress {
  email: string;
  name?: string;
}

/** What one message version may set for itself (Brevo's `messageVersions[i]`). */
export interface BrevoMessageVersion {
  to: BrevoAddress[];
  replyTo?: BrevoAddress;
  subject: string;
  textContent?: string;
  htmlContent?: string;
}

/** The body of `POST /v3/smtp/email`. */
export interface BrevoSendRequest {
  sender: BrevoAddress;
  to?: BrevoAddress[];
  replyTo?: BrevoAddress;
  subject: string;
  textContent?: string;
  htmlContent?: string;
  headers?: Record<string, string>;
  tags?: string[];
  messageVersions?: BrevoMessageVersion[];
}

export interface ConvertOptions {
  /** Send `message.messageId` as the `Message-Id` header. */
  messageIdHeader: boolean;
}

/** Header that carries `metadata` (opaque ids); Brevo echoes it in its events. */
export const METADATA_HEADER = 'X-Mailin-custom';

function address(box: Mailbox): BrevoAddress {
  return box.name === undefined ? { email: box.address } : { email: box.address, name: box.name };
}

/** The headers Brevo gets for a message: its own, its Message-Id, its metadata. */
function headersOf(message: ValidatedMessage, options: ConvertOptions): Record<string, string> {
  const headers: Record<string, string> = { ...message.headers };
  if (options.messageIdHeader && message.messageId !== undefined) {
    headers['Message-Id'] = message.messageId;
  }
  if (message.metadata && Object.keys(message.metadata).length > 0) {
    headers[METADATA_HEADER] = JSON.stringify(message.metadata);
  }
  return headers;
}

function version(message: ValidatedMessage): BrevoMessageVersion {
  const entry: BrevoMessageVersion = { to: [address(message.to)], subject: message.subject };
  if (message.replyTo) entry.replyTo = address(message.replyTo);
  if (message.text !== undefined) entry.textContent = message.text;
  if (message.html !== undefined) entry.htmlContent = message.html;
  return entry;
}

/**
 * What messages must share to go in one call. Brevo takes sender, headers and
 * tags once per call; a version inherits the call's body parts it does not
 * set, so the presence of text and HTML is part of the key too (a text-only
 * message must not inherit another's HTML).
 */
export function envelopeKey(message: ValidatedMessage, options: ConvertOptions): string {
  const headers = Object.entries(headersOf(message, options)).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return JSON.stringify([
    message.from.address,
    message.from.name ?? null,
    headers,
    message.tags ?? [],
    message.text !== undefined,
    message.html !== undefined,
  ]);
}

/**
 * One call for messages of the same envelope (see `envelopeKey`): a plain
 * message for one, `messageVersions` in order for several, so Brevo's
 * `messageIds[i]` answers message `i`. Headers go through unchanged, so
 * List-Unsubscribe and List-Unsubscribe-Post reach the recipient; tags and
 * metadata carry opaque ids only (validated by core).
 */
export function toBrevoRequest(
  messages: readonly ValidatedMessage[],
  options: ConvertOptions,
): BrevoSendRequest {
  const [first] = messages;
  if (first === undefined) throw new RangeError('toBrevoRequest needs at least one message');
  const { to, replyTo, ...base } = version(first);
  const body: BrevoSendRequest = { sender: address(first.from), ...base };
  const headers = headersOf(first, options);
  if (Object.keys(headers).length > 0) body.headers = headers;
  if (first.tags && first.tags.length > 0) body.tags = [...first.tags];
  if (messages.length === 1) {
    body.to = to;
    if (replyTo) body.replyTo = replyTo;
  } else {
    body.messageVersions = messages.map(version);
  }
  return body;
}
