import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { isValidEmail } from '../subjects/normalize-email.js';
import type {
  Mailbox,
  MailboxInput,
  OutgoingMessage,
  ValidatedMessage,
} from './outgoing-message.js';

// RFC 5322 field-name: printable US-ASCII except the colon.
const FIELD_NAME = /^[!-9;-~]{1,76}$/;
// A header value may hold tabs, never CR, LF or other control characters:
// one stray CRLF turns the value into a new header or a new body. The class is
// Unicode's Cc (U+0000–U+001F, U+007F–U+009F) without the tab, spelled out so
// that no copy of the value is made (every header of every message comes here).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
export function hasControlCharacter(value: string): boolean {
  return CONTROL_BUT_TAB.test(value);
}
// Tags, metadata and idempotency keys reach provider dashboards and logs:
// opaque ids only. The pattern has no `@` and no spaces, so an address or a
// name cannot slip through.
const OPAQUE_ID = /^[A-Za-z0-9._:/=+-]{1,128}$/;
const MESSAGE_ID = /^<[!-;=?-~]{1,994}>$/;
// RFC 5322 line limit, counting the name, the colon, the space and CRLF.
const MAX_HEADER_LINE = 998;

/** Header fields the transport writes from the typed fields; set them there. */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'sender',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'dkim-signature',
  'return-path',
]);

function injection(field: string): GdprMailError {
  return new GdprMailError(
    'HEADER_INJECTION',
    `The ${field} field holds a line break or control character; remove it.`,
    { details: { field } },
  );
}

function invalid(field: string, message: string): GdprMailError {
  return new GdprMailError('INVALID_MESSAGE', message, { details: { field } });
}

function mailbox(field: string, input: MailboxInput | undefined): Mailbox {
  const box = typeof input === 'string' ? { address: input } : input;
  if (typeof box !== 'object' || box === null || typeof box.address !== 'string') {
    throw invalid(field, `The ${field} field needs an email address.`);
  }
  if (hasControlCharacter(box.address)) throw injection(field);
  if (!isValidEmail(box.address)) {
    throw new GdprMailError('INVALID_EMAIL', `The ${field} address is not a valid email address.`, {
      details: { field },
    });
  }
  if (box.name === undefined) return { address: box.address };
  if (typeof box.name !== 'string') throw invalid(field, `The ${field} name must be a string.`);
  if (hasControlCharacter(box.name)) throw injection(`${field}.name`);
  return { address: box.address, name: box.name };
}

function opaqueId(field: string, value: unknown): void {
  if (typeof value !== 'string' || !OPAQUE_ID.test(value)) {
    throw invalid(
      field,
      `The ${field} value must be an opaque id (letters, digits and ._:/=+- only, at most 128), never personal data.`,
    );
  }
}

/**
 * Checks a message before it goes near a transport: addresses valid, no CR/LF
 * in any header-bound field, no reserved or malformed custom header, opaque
 * tags and metadata. Throws `HEADER_INJECTION`, `INVALID_EMAIL` or
 * `INVALID_MESSAGE`; returns a normalised copy.
 */
export function validateMessage(message: OutgoingMessage): ValidatedMessage {
  if (typeof message !== 'object' || message === null) {
    throw invalid('message', 'A message must be an object.');
  }
  const from = mailbox('from', message.from);
  const to = mailbox('to', message.to);
  const replyTo = message.replyTo === undefined ? undefined : mailbox('replyTo', message.replyTo);

  if (typeof message.subject !== 'string') throw invalid('subject', 'A message needs a subject.');
  if (hasControlCharacter(message.subject)) throw injection('subject');
  if (message.text === undefined && message.html === undefined) {
    throw invalid('text', 'A message needs a text or an html body.');
  }
  for (const field of ['text', 'html'] as const) {
    const body = message[field];
    if (body !== undefined && typeof body !== 'string') {
      throw invalid(field, `The ${field} body must be a string.`);
    }
  }

  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (hasControlCharacter(name)) throw injection(`headers.${name}`);
    if (!FIELD_NAME.test(name)) {
      throw invalid(`headers.${name}`, `"${name}" is not a valid header field name.`);
    }
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) {
      throw invalid(
        `headers.${name}`,
        `The ${name} header is set by the transport from the message fields; do not set it in headers.`,
      );
    }
    if (seen.has(lower)) throw invalid(`headers.${name}`, `The ${name} header is given twice.`);
    seen.add(lower);
    if (typeof value !== 'string') throw invalid(`headers.${name}`, 'Header values are strings.');
    if (hasControlCharacter(value)) throw injection(`headers.${name}`);
    if (name.length + 2 + value.length + 2 > MAX_HEADER_LINE) {
      throw invalid(`headers.${name}`, `The ${name} header is longer than one 998-character line.`);
    }
    headers[name] = value;
  }

  if (message.messageId !== undefined) {
    if (typeof message.messageId === 'string' && hasControlCharacter(message.messageId)) {
      throw injection('messageId');
    }
    if (typeof message.messageId !== 'string' || !MESSAGE_ID.test(message.messageId)) {
      throw invalid('messageId', 'A Message-ID looks like <id@domain>.');
    }
  }
  if (message.idempotencyKey !== undefined) opaqueId('idempotencyKey', message.idempotencyKey);
  for (const tag of message.tags ?? []) opaqueId('tags', tag);
  for (const [key, value] of Object.entries(message.metadata ?? {})) {
    opaqueId('metadata key', key);
    opaqueId(`metadata.${key}`, value);
  }

  const { replyTo: _replyTo, ...rest } = message;
  return replyTo === undefined
    ? { ...rest, from, to, headers }
    : { ...rest, from, to, replyTo, headers };
}
