import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  abortedResult,
  failed,
  GdprMailError,
  invalidResult,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
  sendResultError,
  type Transport,
  type TransportCapabilities,
  type ValidatedMessage,
  validateMessage,
} from '@gdpr-mail/core';
import nodemailer from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';
import { dkimHeaderFieldNames } from './dkim-header-fields.js';
import { mapSmtpError } from './map-smtp-error.js';
import { nodemailerMail } from './nodemailer-mail.js';
import type { SmtpTransportOptions } from './smtp-transport-options.js';

const CAPABILITIES: TransportCapabilities = {
  // SMTP has no batch call: a batch is spread over the pooled connections.
  maxBatchSize: 1000,
  maxRecipients: 1,
  customHeaders: true,
  nativeIdempotency: false,
};

// Postfix, Exim, Sendmail: "250 2.0.0 Ok: queued as 4Bx1Yz" - the id bounces and logs use.
const QUEUE_ID = /\bqueued as ([A-Za-z0-9._-]+)/i;

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/**
 * An SMTP transport over a pooled nodemailer connection.
 *
 * - `maxRequeues: 0`: nodemailer never re-sends a message on its own after a
 *   dropped connection; that decision (and its idempotency) belongs to core.
 * - DKIM, when configured, signs `List-Unsubscribe` and `List-Unsubscribe-Post`.
 * - Custom headers go out as prepared lines, unchanged.
 * - A connection lost after the body was sent answers `ambiguous`.
 */
export function createSmtpTransport(options: SmtpTransportOptions): Transport {
  const dkim = options.dkim
    ? new DKIM({
        domainName: options.dkim.domainName,
        keySelector: options.dkim.keySelector,
        privateKey: options.dkim.privateKey,
        headerFieldNames: dkimHeaderFieldNames(options.dkim.headerFieldNames),
      })
    : undefined;

  const transporter = nodemailer.createTransport({
    pool: true,
    maxRequeues: 0,
    host: options.host,
    port: options.port ?? (options.secure ? 465 : 587),
    secure: options.secure ?? false,
    ...(options.requireTLS === undefined ? {} : { requireTLS: options.requireTLS }),
    ...(options.ignoreTLS === undefined ? {} : { ignoreTLS: options.ignoreTLS }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...(options.clientHostname === undefined ? {} : { name: options.clientHostname }),
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 100,
    ...(options.connectionTimeoutMs === undefined
      ? {}
      : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.greetingTimeoutMs === undefined
      ? {}
      : { greetingTimeout: options.greetingTimeoutMs }),
    ...(options.socketTimeoutMs === undefined ? {} : { socketTimeout: options.socketTimeoutMs }),
  });

  // Per Message-ID: whether the whole body has been handed to the connection.
  // nodemailer reports a dropped connection the same way before RCPT and after
  // DATA, so the transport watches the message stream itself.
  const dataSent = new Map<string, boolean>();

  transporter.use('stream', (mail, done) => {
    const message = mail.message;
    if (message) {
      const messageId = message.messageId();
      // Runs after every plugin, so this is the last stage before the socket;
      // DKIM is applied here rather than by nodemailer for that reason.
      message.processFunc((input: Readable) => {
        const signed: Readable = dkim ? dkim.sign(input) : input;
        const observed = new PassThrough();
        // pipe() rather than pipeline(): pipeline makes an AbortController per
        // message and aborts it (a DOMException with a stack) when done, a
        // measurable cost at a thousand messages a second. Errors and an early
        // close still travel, as they would through pipeline.
        signed.once('error', (error) => observed.destroy(error));
        observed.once('close', () => {
          if (!signed.readableEnded) signed.destroy();
        });
        signed.pipe(observed);
        // 'end' fires only once the connection has read the last byte, which
        // it does only after the server answered DATA with 354.
        observed.once('end', () => {
          if (dataSent.has(messageId)) dataSent.set(messageId, true);
        });
        return observed;
      });
    }
    done();
  });

  let closed = false;

  async function sendValidated(
    message: ValidatedMessage,
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const messageId = message.messageId ?? `<${randomUUID()}@${domainOf(message.from.address)}>`;
    if (dataSent.has(messageId)) {
      // The DATA watcher keys on the Message-ID: two in flight at once could
      // not be told apart, and two messages sharing one is a bug upstream anyway.
      return failed('invalid', 'Another message with this Message-ID is being sent.', {
        retryable: false,
      });
    }
    dataSent.set(messageId, false);
    try {
      const info = await transporter.sendMail({
        ...nodemailerMail(message, messageId),
        ...(signal === undefined ? {} : { signal }),
      });
      if (info.rejected.length > 0) {
        return failed('rejected', 'The server refused the recipient.', { retryable: false });
      }
      return {
        status: 'accepted',
        // A Message-ID the server substituted, else its queue id, else ours.
        providerMessageId:
          info.serverMessageId ?? QUEUE_ID.exec(String(info.response))?.[1] ?? messageId,
        messageId,
      };
    } catch (error) {
      return mapSmtpError(error, dataSent.get(messageId) === true);
    } finally {
      dataSent.delete(messageId);
    }
  }

  async function send(
    message: OutgoingMessage,
    sendOptions: SendOptions = {},
  ): Promise<SendResult> {
    if (sendOptions.signal?.aborted) return abortedResult();
    if (closed) return failed('transient', 'The SMTP transport is closed.', { retryable: false });
    let validated: ValidatedMessage;
    try {
      validated = validateMessage(message);
    } catch (error) {
      return invalidResult(error);
    }
    return sendValidated(validated, sendOptions.signal);
  }

  const transport: Transport = {
    name: 'smtp',
    capabilities: CAPABILITIES,
    processor: options.processor,
    send,
    // The pool queues the messages and spreads them over its connections;
    // Promise.all keeps the results in the order of the messages.
    sendBatch: (messages, sendOptions = {}) =>
      Promise.all(messages.map((message) => send(message, sendOptions))),
    async verify() {
      try {
        await transporter.verify();
      } catch (error) {
        const result = mapSmtpError(error, false);
        throw (
          sendResultError(result) ??
          new GdprMailError('PROVIDER_UNAVAILABLE', 'The SMTP server could not be verified.')
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      transporter.close();
    },
  };
  const { lookup } = options;
  if (lookup) {
    transport.lookup = async (queries, lookupOptions = {}) => {
      if (queries.length === 0) return [];
      const answers = await lookup(queries, lookupOptions);
      if (!Array.isArray(answers) || answers.length !== queries.length) {
        throw new GdprMailError(
          'PROVIDER_UNAVAILABLE',
          `The SMTP lookup answered ${Array.isArray(answers) ? answers.length : 'no list'} for ${queries.length} messages.`,
        );
      }
      return answers;
    };
  }
  return transport;
}
