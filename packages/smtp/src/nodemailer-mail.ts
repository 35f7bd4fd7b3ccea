import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';
import type { SendMailOptions } from 'nodemailer';

function mailbox(box: Mailbox): string | { name: string; address: string } {
  return box.name === undefined ? box.address : { name: box.name, address: box.address };
}

/**
 * A validated message as the SMTP transport hands it to nodemailer. Exported
 * so a tool can write the same bytes the transport sends (the examples' dev
 * inbox shows and DKIM-checks them).
 */
export function nodemailerMail(message: ValidatedMessage, messageId: string): SendMailOptions {
  return {
    from: mailbox(message.from),
    to: mailbox(message.to),
    ...(message.replyTo === undefined ? {} : { replyTo: mailbox(message.replyTo) }),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    messageId,
    // Prepared: nodemailer writes the value as given, no re-encoding.
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, { prepared: true, value }]),
    ),
  };
}
