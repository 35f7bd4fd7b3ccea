import {
  GdprMailError,
  type GdprMailErrorCode,
  isGdprMailError,
} from '../errors/gdpr-mail-error.js';

export const FAILURE_CATEGORIES = [
  /** The provider asked us to slow down; retry after `retryAfterMs`. */
  'rate-limited',
  /** A temporary failure (4xx, connection refused, 5xx from an API): retry later. */
  'transient',
  /** The provider refused this message for good (5xx, bad mailbox). */
  'rejected',
  /** The message itself is wrong (header injection, bad address): fix it, never retry. */
  'invalid',
  /** The credentials were refused: fix the configuration. */
  'auth',
  /** The sending account is suspended or paused at the provider. */
  'account-blocked',
  /** The caller's AbortSignal fired before the message reached the provider: nothing was sent. */
  'aborted',
] as const;

export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface SendFailure {
  category: FailureCategory;
  /** True when sending the same message again may succeed and cannot mail twice. */
  retryable: boolean;
  /** The provider's own hint, in milliseconds, e.g. from Retry-After. */
  retryAfterMs?: number;
  /** Says what happened; never contains the recipient's address. */
  message: string;
  /** The provider's code, e.g. `550 5.1.1` or `TooManyRequestsException`. */
  providerCode?: string;
}

export interface SendAccepted {
  status: 'accepted';
  /** The id the provider gave the message, for matching its events and bounces. */
  providerMessageId: string;
  /** The RFC 5322 Message-ID the message went out with, when known. */
  messageId?: string;
  /** How many calls it took, set by `withRetries`. */
  attempts?: number;
}

export interface SendFailed {
  status: 'failed';
  error: SendFailure;
  attempts?: number;
}

/**
 * The connection died after the provider may have accepted the message. It
 * may or may not arrive: never retried automatically, the pipeline records it
 * for a person (or a provider event) to settle.
 */
export interface SendAmbiguous {
  status: 'ambiguous';
  message: string;
  providerCode?: string;
  attempts?: number;
}

/** One result per message. Transports return these instead of throwing. */
export type SendResult = SendAccepted | SendFailed | SendAmbiguous;

export function failed(
  category: FailureCategory,
  message: string,
  extra: { retryable?: boolean; retryAfterMs?: number; providerCode?: string } = {},
): SendFailed {
  const error: SendFailure = {
    category,
    retryable: extra.retryable ?? (category === 'transient' || category === 'rate-limited'),
    message,
  };
  if (extra.retryAfterMs !== undefined) error.retryAfterMs = extra.retryAfterMs;
  if (extra.providerCode !== undefined) error.providerCode = extra.providerCode;
  return { status: 'failed', error };
}

/**
 * Whether a failed message never reached the transport's provider: the caller
 * aborted first, or the transport was already closed. Nothing was sent, so a later
 * run may claim it again whatever `retryable` says about retrying it right now.
 */
export function neverHandedOver(failure: SendFailure): boolean {
  return failure.category === 'aborted' || failure.providerCode === TRANSPORT_CLOSED;
}

/** The `providerCode` of the answer of a transport that is closed (see `defineTransport`). */
export const TRANSPORT_CLOSED = 'TRANSPORT_CLOSED';

/** The result for a message the caller aborted before it was handed over. */
export function abortedResult(): SendFailed {
  return failed('aborted', 'Sending was aborted before the message reached the provider.', {
    retryable: false,
  });
}

/** Turns a `validateMessage` error into the per-message `invalid` result. */
export function invalidResult(error: unknown): SendFailed {
  const code = isGdprMailError(error) ? error.code : 'INVALID_MESSAGE';
  const message = error instanceof Error ? error.message : 'The message is invalid.';
  return failed('invalid', message, { retryable: false, providerCode: code });
}

const CODE_BY_CATEGORY: Record<FailureCategory, GdprMailErrorCode> = {
  'rate-limited': 'RATE_LIMITED',
  transient: 'PROVIDER_UNAVAILABLE',
  rejected: 'PROVIDER_REJECTED',
  invalid: 'INVALID_MESSAGE',
  auth: 'PROVIDER_AUTH_FAILED',
  'account-blocked': 'PROVIDER_ACCOUNT_BLOCKED',
  aborted: 'SEND_ABORTED',
};

/**
 * The codes of an error that says a mail was not handed over (each failure category's,
 * an ambiguous delivery's, a mailer without a transport's): what a caller that tells
 * "not sent" apart from its other refusals tests `error.code` against.
 */
export const MAIL_NOT_SENT_CODES: ReadonlySet<GdprMailErrorCode> = new Set([
  ...Object.values(CODE_BY_CATEGORY),
  'DELIVERY_AMBIGUOUS',
  'MAILER_NOT_CONFIGURED',
]);

/**
 * For callers that want to throw (a single transactional send): the typed
 * error for a failed or ambiguous result, `undefined` for an accepted one.
 */
export function sendResultError(result: SendResult): GdprMailError | undefined {
  if (result.status === 'accepted') return undefined;
  if (result.status === 'ambiguous') {
    return new GdprMailError('DELIVERY_AMBIGUOUS', result.message, {
      details: { providerCode: result.providerCode },
      retryable: false,
    });
  }
  const { error } = result;
  return new GdprMailError(CODE_BY_CATEGORY[error.category], error.message, {
    details: {
      category: error.category,
      providerCode: error.providerCode,
      retryAfterMs: error.retryAfterMs,
    },
    retryable: error.retryable,
  });
}
