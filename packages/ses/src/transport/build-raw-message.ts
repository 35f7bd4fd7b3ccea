import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';
import MailComposer from 'nodemailer/lib/mail-composer';

function mailbox(box: Mailbox): string | { name: string; address: string } {
  return box.name === undefined ? box.address : { name: box.name, address: box.address };
}

/**
 * The RFC 5322 message for `Content.Raw`. Custom headers are written as
 * prepared lines, byte for byte, so `List-Unsubscribe` and
 * `List-Unsubscribe-Post` reach SES exactly as the mailer made them.
 */
export function buildRawMessage(message: ValidatedMessage, date: Date): Promise<Buffer> {
  const composer = new MailComposer({
    from: mailbox(message.from),
    to: mailbox(message.to),
    ...(message.replyTo === undefined ? {} : { replyTo: mailbox(message.replyTo) }),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
    date,
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, { prepared: true, value }]),
    ),
  });
  return composer.compile().build();
}
