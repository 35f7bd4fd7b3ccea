import { randomUUID } from 'node:crypto';
import type { Mailbox, ValidatedMessage } from '@gdpr-mail/core';
import type Mail from 'nodemailer/lib/mailer';

function mailbox(box: Mailbox): string | { name: string; address: string } {
  return box.name === undefined ? box.address : { name: box.name, address: box.address };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/**
 * A validated message as nodemailer's mail options. A message without a
 * Message-ID gets one on the sender's domain (the DATA watcher needs one).
 * Custom headers go out as prepared lines, byte for byte, so
 * List-Unsubscribe and List-Unsubscribe-Post arrive unchanged.
 */
export function toNodemailerMail(message: ValidatedMessage): Mail.Options & { messageId: string } {
  return {
    from: mailbox(message.from),
    to: mailbox(message.to),
    ...(message.replyTo === undefined ? {} : { replyTo: mailbox(message.replyTo) }),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    messageId: message.messageId ?? `<${randomUUID()}@${domainOf(message.from.address)}>`,
    // Prepared: nodemailer writes the value as given, no re-encoding.
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, { prepared: true, value }]),
    ),
  };
}
