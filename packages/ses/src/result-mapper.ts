import { failed, parseRetryAfter, redactAddresses, type SendResult } from '@gdpr-mail/core';
import type { SesOutcome } from './http-client.js';

interface AwsErrorFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, unknown> };
}

/** Where a failed call stood when it failed. */
export interface SesCallState {
  /** The request had been handed to the HTTP handler: SES may have it. */
  dispatched: boolean;
  /** The transport's own request timeout fired. */
  timedOut: boolean;
  /** The caller's signal fired. */
  aborted: boolean;
}

const REJECTED = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException']);
const ACCOUNT_BLOCKED = new Set(['AccountSuspendedException', 'SendingPausedException']);
const AUTH = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
  'TokenProviderError',
]);
const RATE_LIMITED = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
]);
const INVALID = new Set(['BadRequestException', 'NotFoundException', 'ValidationException']);
// Failures to reach SES at all: nothing was sent, sending again cannot mail twice.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);

function retryAfterMs(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  return typeof raw === 'string' ? parseRetryAfter(raw) : undefined;
}

/**
 * Turns an SES v2 SDK error into a per-message result.
 *
 * SES has no idempotency key: a call that died after the request left
 * (timeout, reset connection, a 5xx other than 503) may have sent the mail,
 * so it is `ambiguous`, never retried blindly.
 */
export function mapSesError(error: unknown, state: SesCallState): SendResult {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorFields;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  // Results must never carry an address; SES error texts sometimes quote one.
  const message = redactAddresses(typeof e.message === 'string' ? e.message : String(error));
  const rawStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;

  if (state.aborted || state.timedOut) {
    if (!state.dispatched) {
      return state.aborted
        ? failed('aborted', 'Sending was aborted before the request reached SES.', {
            retryable: false,
          })
        : failed('transient', `SES timed out before the request was sent: ${message}`, {
            providerCode: 'TimeoutError',
          });
    }
    return {
      status: 'ambiguous',
      message: state.aborted
        ? 'Sending was aborted after the request reached SES: it may have been sent.'
        : 'SES did not answer in time: the message may have been sent.',
      providerCode: state.aborted ? 'AbortError' : 'TimeoutError',
    };
  }

  if (status !== undefined) {
    const providerCode = name;
    if (status === 429 || RATE_LIMITED.has(name)) {
      const wait = retryAfterMs(e.$response?.headers);
      return failed('rate-limited', message, {
        providerCode,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    if (REJECTED.has(name)) return failed('rejected', message, { providerCode, retryable: false });
    if (ACCOUNT_BLOCKED.has(name)) {
      return failed('account-blocked', message, { providerCode, retryable: false });
    }
    if (AUTH.has(name) || status === 401 || status === 403) {
      return failed('auth', message, { providerCode, retryable: false });
    }
    if (status === 503) {
      // SES refused the call outright (service unavailable): nothing was accepted.
      return failed('transient', message, { providerCode });
    }
    if (status >= 500) {
      return {
        status: 'ambiguous',
        message: `SES answered ${status} after receiving the message: it may have been sent. ${message}`,
        providerCode,
      };
    }
    if (INVALID.has(name) || status >= 400) {
      return failed('invalid', message, { providerCode, retryable: false });
    }
  }

  if (AUTH.has(name)) return failed('auth', message, { providerCode: name, retryable: false });
  if (!state.dispatched) {
    // Failed before leaving (endpoint, serialisation): nothing was sent.
    return failed('transient', message, { providerCode: code ?? name });
  }
  if (code !== undefined && NOT_CONNECTED.has(code)) {
    return failed('transient', message, { providerCode: code });
  }
  return {
    status: 'ambiguous',
    message: `The connection to SES failed after the request was sent: ${message}`,
    providerCode: code ?? name,
  };
}

/** One SendEmail call as a per-message result. */
export function mapSesOutcome(outcome: SesOutcome): SendResult {
  if (outcome.kind === 'error') return mapSesError(outcome.error, outcome.state);
  const id = outcome.output.MessageId;
  if (id === undefined || id === '') {
    return {
      status: 'ambiguous',
      message: 'SES answered without a MessageId: the message may have been sent.',
    };
  }
  return { status: 'accepted', providerMessageId: id };
}
