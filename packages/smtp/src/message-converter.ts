import { randomUUID } from 'node:crypto';
import type { ValidatedMessage } from '@gdpr-mail/core';
import { mimeFields } from '@gdpr-mail/core/internal';
import type Mail from 'nodemailer/lib/mailer';

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
  return nodemailerMail(
    message,
    message.messageId ?? `<${randomUUID()}@${domainOf(message.from.address)}>`,
  );
}

/**
 * A validated message as the SMTP transport hands it to nodemailer, with the given
 * Message-ID. Exported so a tool can write the same bytes the transport sends (the
 * examples' dev inbox shows and DKIM-checks them).
 */
export function nodemailerMail(
  message: ValidatedMessage,
  messageId: string,
): Mail.Options & { messageId: string } {
  return { ...mimeFields(message), messageId };
}
