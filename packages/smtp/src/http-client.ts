import type { Readable } from 'node:stream';
import { failed, redactAddresses, type SendResult } from '@gdpr-mail/core';
import nodemailer from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGES,
  defaultPort,
  dkimHeaderFieldNames,
  type SmtpTransportOptions,
} from './config.js';

/** What one hand-over to the pool came to, before it is mapped to a result. */
export type SmtpOutcome =
  | { kind: 'sent'; info: SMTPPool.SentMessageInfo }
  /** `dataSent`: the whole body had reached the connection when it failed. */
  | { kind: 'error'; error: unknown; dataSent: boolean }
  /** Another message with the same Message-ID is in flight: nothing was sent. */
  | { kind: 'busy' };

/** The provider side of the SMTP driver: the nodemailer pool. */
export interface SmtpClient {
  /** `mail.messageId` is required: the DATA watcher keys on it. */
  send(mail: Mail.Options & { messageId: string }, signal?: AbortSignal): Promise<SmtpOutcome>;
  /** Connects and authenticates once; throws nodemailer's error. */
  verify(): Promise<void>;
  close(): void;
}

/**
 * A pooled nodemailer transport.
 *
 * - `maxRequeues: 0`: nodemailer never re-sends a message on its own after a
 *   dropped connection; that decision (and its idempotency) belongs to core.
 * - DKIM, when configured, signs `List-Unsubscribe` and `List-Unsubscribe-Post`.
 * - It watches each message stream, so a connection lost after the body went
 *   out can be told from one lost before (`dataSent`).
 */
export function createSmtpClient(options: SmtpTransportOptions): SmtpClient {
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
    port: options.port ?? defaultPort(options.secure),
    secure: options.secure ?? false,
    ...(options.requireTLS === undefined ? {} : { requireTLS: options.requireTLS }),
    ...(options.ignoreTLS === undefined ? {} : { ignoreTLS: options.ignoreTLS }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...(options.clientHostname === undefined ? {} : { name: options.clientHostname }),
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxMessages: options.maxMessages ?? DEFAULT_MAX_MESSAGES,
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
  // DATA, so the client watches the message stream itself.
  const dataSent = new Map<string, boolean>();

  transporter.use('stream', (mail, done) => {
    const message = mail.message;
    if (message) {
      const messageId = message.messageId();
      // Runs after every plugin, so this is the last stage before the socket;
      // DKIM is applied here rather than by nodemailer for that reason.
      message.processFunc((input: Readable) => {
        const output: Readable = dkim ? dkim.sign(input) : input;
        // The stream nodemailer hands to the connection is watched where it is,
        // without a stage of its own: a PassThrough (or pipeline()) per message
        // doubled the stream objects and events of every send.
        // 'end' fires only once the connection has read the last byte, which
        // it does only after the server answered DATA with 354.
        output.once('end', () => {
          if (dataSent.has(messageId)) dataSent.set(messageId, true);
        });
        return output;
      });
    }
    done();
  });

  return {
    async send(mail, signal) {
      const { messageId } = mail;
      // The DATA watcher keys on the Message-ID: two in flight at once could
      // not be told apart, and two messages sharing one is a bug upstream anyway.
      if (dataSent.has(messageId)) return { kind: 'busy' };
      dataSent.set(messageId, false);
      try {
        const info = await transporter.sendMail({
          ...mail,
          ...(signal === undefined ? {} : { signal }),
        });
        return { kind: 'sent', info };
      } catch (error) {
        return { kind: 'error', error, dataSent: dataSent.get(messageId) === true };
      } finally {
        dataSent.delete(messageId);
      }
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}

interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
  /** Node's own code, kept by nodemailer when it replaces `code` with its step's. */
  originalCode?: unknown;
  cause?: unknown;
}

const ENHANCED_STATUS = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/;
const RATE_LIMIT_TEXT =
  /\brate[ -]?limit|throttl|too many (?:messages|connections|requests)|slow down/i;
const ACCOUNT_BLOCKED_TEXT =
  /account (?:is |has been )?(?:suspended|disabled|paused|blocked)|sending (?:is )?paused/i;
// Codes of errors that ended the connection rather than answered the message.
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EPROTOCOL',
]);

// Node's codes for a server certificate it refused to trust.
const TLS_CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
// Node's messages for them, for nodemailer's `Error initiating TLS - <message>`, which drops the code.
const TLS_CERTIFICATE_TEXT: readonly [RegExp, string][] = [
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get (?:local )?issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];
const TLS_CERTIFICATE_MESSAGE =
  "The SMTP server's TLS certificate was refused (expired, self-signed, untrusted or for another host name): fix the server's certificate or the transport's tls options.";

/**
 * The Node code of a refused server certificate, looked for on the error, the
 * code nodemailer kept aside (`originalCode`), its `cause` chain, and, for
 * nodemailer's `Error initiating TLS - …` wrapping, the message text.
 */
function tlsCertificateCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const e = error as SmtpErrorFields;
  for (const candidate of [e.code, e.originalCode]) {
    if (typeof candidate === 'string' && TLS_CERTIFICATE_CODES.has(candidate)) return candidate;
  }
  const fromCause = tlsCertificateCode(e.cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (e.code === 'ETLS' || e.code === 'ESOCKET') {
    const text = typeof e.message === 'string' ? e.message : '';
    const named = /\b[A-Z_]*CERT[A-Z_]*\b/.exec(text)?.[0];
    if (named !== undefined && TLS_CERTIFICATE_CODES.has(named)) return named;
    return TLS_CERTIFICATE_TEXT.find(([pattern]) => pattern.test(text))?.[1];
  }
  return undefined;
}

/**
 * Turns a nodemailer error into a per-message result.
 *
 * `dataSent` says whether the whole message body had been handed to the
 * connection: a connection lost after that, with no reply, may have been
 * accepted by the server, so it is `ambiguous`, never retried blindly.
 */
export function mapSmtpError(error: unknown, dataSent: boolean): SendResult {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorFields;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = typeof e.response === 'string' ? e.response : '';
  const rawMessage = typeof e.message === 'string' ? e.message : String(error);
  // Server replies often quote the recipient; results must not carry addresses.
  const message = redactAddresses(rawMessage);
  const enhanced = ENHANCED_STATUS.exec(response)?.[1];
  const providerCode =
    responseCode !== undefined
      ? [responseCode, enhanced].filter((part) => part !== undefined).join(' ')
      : code;
  const extra = providerCode === undefined ? {} : { providerCode };

  if (responseCode !== undefined) {
    if (responseCode === 535 || responseCode === 534 || responseCode === 530) {
      return failed('auth', message, extra);
    }
    if (responseCode >= 500) {
      if (ACCOUNT_BLOCKED_TEXT.test(response)) return failed('account-blocked', message, extra);
      // 503 is "bad sequence of commands": the session's fault, not the message's.
      if (responseCode === 503) return failed('transient', message, extra);
      return failed('rejected', message, extra);
    }
    if (responseCode >= 400) {
      if (enhanced === '4.7.28' || RATE_LIMIT_TEXT.test(response)) {
        return failed('rate-limited', message, extra);
      }
      return failed('transient', message, extra);
    }
  }

  if (code === 'EABORT') {
    if (dataSent) {
      return {
        status: 'ambiguous',
        message: `Aborted after the message was sent: ${message}`,
        ...extra,
      };
    }
    return failed('aborted', message, { ...extra, retryable: false });
  }
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'EOAUTH2') {
    return failed('auth', message, extra);
  }
  // A configuration problem, like refused credentials: retrying meets the same certificate.
  const certificateCode = responseCode === undefined ? tlsCertificateCode(error) : undefined;
  if (certificateCode !== undefined) {
    return failed('auth', TLS_CERTIFICATE_MESSAGE, {
      providerCode: certificateCode,
      retryable: false,
    });
  }
  if (dataSent && (code === undefined || CONNECTION_CODES.has(code))) {
    return {
      status: 'ambiguous',
      message: `The connection ended after the message was sent, before the server answered: ${message}`,
      ...extra,
    };
  }
  if (code === undefined || CONNECTION_CODES.has(code) || code === 'EMAXLIMIT') {
    // Nothing reached the server: sending again cannot mail twice.
    return failed('transient', message, extra);
  }
  return failed('invalid', message, { ...extra, retryable: false });
}

// Postfix, Exim, Sendmail: "250 2.0.0 Ok: queued as 4Bx1Yz" - the id bounces and logs use.
const QUEUE_ID = /\bqueued as ([A-Za-z0-9._-]+)/i;

/** One hand-over to the pool as a per-message result. */
export function mapSmtpOutcome(outcome: SmtpOutcome, messageId: string): SendResult {
  if (outcome.kind === 'busy') {
    return failed('invalid', 'Another message with this Message-ID is being sent.', {
      retryable: false,
    });
  }
  if (outcome.kind === 'error') return mapSmtpError(outcome.error, outcome.dataSent);
  const { info } = outcome;
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
}
