import {
  defineTransport,
  GdprMailError,
  type SendResult,
  sendResultError,
  type Transport,
} from '@gdpr-mail/core';
import { SMTP_CAPABILITIES, type SmtpTransportOptions } from './config.js';
import { createSmtpClient, mapSmtpError, mapSmtpOutcome } from './http-client.js';
import { toNodemailerMail } from './message-converter.js';

/**
 * An SMTP transport over a pooled nodemailer connection (see
 * `createSmtpClient`): no requeue, DKIM over both unsubscribe headers,
 * custom headers sent as prepared lines, and a connection lost after the body
 * was sent answered `ambiguous`. Validation, abort and batching are core's
 * `defineTransport`; a batch is spread over the pooled connections.
 */
export function createSmtpTransport(options: SmtpTransportOptions): Transport {
  const client = createSmtpClient(options);
  const { lookup } = options;
  return defineTransport({
    name: 'smtp',
    capabilities: SMTP_CAPABILITIES,
    processor: options.processor,
    // The pool queues the messages and spreads them over its connections.
    concurrency: SMTP_CAPABILITIES.maxBatchSize,
    async sendValidated(message, { signal }): Promise<SendResult> {
      const mail = toNodemailerMail(message);
      return mapSmtpOutcome(await client.send(mail, signal), mail.messageId);
    },
    async verify() {
      try {
        await client.verify();
      } catch (error) {
        const result = mapSmtpError(error, false);
        throw (
          sendResultError(result) ??
          new GdprMailError('PROVIDER_UNAVAILABLE', 'The SMTP server could not be verified.')
        );
      }
    },
    ...(lookup === undefined ? {} : { lookup }),
    async close() {
      client.close();
    },
  });
}
