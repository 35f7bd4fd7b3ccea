import { failed, redactAddresses, type SendResult } from '@gdpr-mail/core';
import type { SmtpOutcome } from './http-client.js';

interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
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
