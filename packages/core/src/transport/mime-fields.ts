import type { Mailbox, ValidatedMessage } from './outgoing-message.js';

/** A mailbox as MIME composers take it: the bare address, or the address and its name. */
export type MimeMailbox = string | { name: string; address: string };

/** The fields of a message for a MIME composer (nodemailer's `sendMail` and `MailComposer` take them as they are). */
export interface MimeFields {
  from: MimeMailbox;
  to: MimeMailbox;
  replyTo?: MimeMailbox;
  subject: string;
  text?: string;
  html?: string;
  messageId?: string;
  /** Custom headers as prepared lines: written byte for byte, never re-encoded or folded. */
  headers: Record<string, { prepared: true; value: string }>;
}

function mimeMailbox(box: Mailbox): MimeMailbox {
  return box.name === undefined ? box.address : { name: box.name, address: box.address };
}

/**
 * A validated message as MIME composer fields, for the drivers that write the
 * MIME themselves (SMTP, SES raw). Custom headers are prepared lines, so
 * `List-Unsubscribe` and `List-Unsubscribe-Post` reach the wire exactly as
 * the mailer made them.
 */
export function mimeFields(message: ValidatedMessage): MimeFields {
  return {
    from: mimeMailbox(message.from),
    to: mimeMailbox(message.to),
    ...(message.replyTo === undefined ? {} : { replyTo: mimeMailbox(message.replyTo) }),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, { prepared: true, value }]),
    ),
  };
}
