import type { MessageTag, SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';
import { mimeFields } from '@gdpr-mail/core/internal';
import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import type { SesTransportOptions } from './config.js';

/** SES allows 50 tags a message. */
export const MAX_EMAIL_TAGS = 50;
const MAX_TAG_LENGTH = 256;
// SES tag names and values: ASCII letters, digits, underscore and dash only.
const OUTSIDE_SES_CHARSET = /[^A-Za-z0-9_-]/g;

export function sanitizeTagPart(value: string): string {
  const cleaned = value.replace(OUTSIDE_SES_CHARSET, '_').slice(0, MAX_TAG_LENGTH);
  return cleaned === '' ? '_' : cleaned;
}

/**
 * SES `EmailTags` from a message's tags (name = tag, value `true`) and
 * metadata (name = key). Core has already checked both hold opaque ids only;
 * the characters SES refuses become `_`. Later entries win a name clash.
 */
export function emailTags(
  tags: readonly string[] | undefined,
  metadata: Readonly<Record<string, string>> | undefined,
): MessageTag[] {
  const byName = new Map<string, string>();
  for (const tag of tags ?? []) byName.set(sanitizeTagPart(tag), 'true');
  for (const [key, value] of Object.entries(metadata ?? {})) {
    byName.set(sanitizeTagPart(key), sanitizeTagPart(value));
  }
  return [...byName].slice(0, MAX_EMAIL_TAGS).map(([Name, Value]) => ({ Name, Value }));
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * `Name <address>` for SES's address fields, the name RFC 2047-encoded when not ASCII,
 * in encoded-words of at most 75 characters (RFC 2047 section 2), split between
 * characters, as nodemailer writes them over SMTP.
 */
function formatMailbox(box: Mailbox): string {
  if (box.name === undefined || box.name === '') return box.address;
  const name = PLAIN_ASCII.test(box.name)
    ? `"${box.name.replace(/["\\]/g, '\\$&')}"`
    : encodeWord(box.name, 'B', 52);
  return `${name} <${box.address}>`;
}

/**
 * The RFC 5322 message for `Content.Raw`. Custom headers are written as
 * prepared lines, byte for byte, so `List-Unsubscribe` and
 * `List-Unsubscribe-Post` reach SES exactly as the mailer made them.
 */
function buildRawMessage(message: ValidatedMessage, date: Date): Promise<Buffer> {
  const composer = new MailComposer({ ...mimeFields(message), date });
  return composer.compile().build();
}

/**
 * A validated message as the input of SES v2 `SendEmail`. `raw` (default):
 * the transport writes the MIME, every header exactly as given; `simple`: SES
 * writes it and adds the headers. Tags and metadata become `EmailTags`.
 */
export async function toSendEmailInput(
  message: ValidatedMessage,
  options: Pick<SesTransportOptions, 'configurationSetName' | 'content'>,
): Promise<SendEmailCommandInput> {
  const tags = emailTags(message.tags, message.metadata);
  const simple = (options.content ?? 'raw') === 'simple';
  const common: Omit<SendEmailCommandInput, 'Content'> = {
    FromEmailAddress: formatMailbox(message.from),
    // Simple content: SES writes the To header from this list, so the display
    // name goes here. Raw content: the MIME carries it; this is the envelope.
    Destination: { ToAddresses: [simple ? formatMailbox(message.to) : message.to.address] },
    ...(message.replyTo === undefined
      ? {}
      : { ReplyToAddresses: [formatMailbox(message.replyTo)] }),
    ...(options.configurationSetName === undefined
      ? {}
      : { ConfigurationSetName: options.configurationSetName }),
    ...(tags.length === 0 ? {} : { EmailTags: tags }),
  };
  if (simple) {
    const headers = Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value }));
    return {
      ...common,
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: {
            ...(message.text === undefined
              ? {}
              : { Text: { Data: message.text, Charset: 'UTF-8' } }),
            ...(message.html === undefined
              ? {}
              : { Html: { Data: message.html, Charset: 'UTF-8' } }),
          },
          ...(headers.length === 0 ? {} : { Headers: headers }),
        },
      },
    };
  }
  const raw = await buildRawMessage(message, new Date());
  return { ...common, Content: { Raw: { Data: raw } } };
}
