import {
  DeleteContactCommand,
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  type GetAccountCommandOutput,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
  type SendEmailCommandOutput,
} from '@aws-sdk/client-sesv2';
import { failed, parseRetryAfter, redactAddresses, type SendResult } from '@gdpr-mail/core';
import { DEFAULT_REQUEST_TIMEOUT_MS, type SesTransportOptions } from './config.js';

/** What one SendEmail call came to, before it is mapped to a result. */
export type SesOutcome =
  | { kind: 'answered'; output: SendEmailCommandOutput }
  | { kind: 'error'; error: unknown; state: SesCallState };

/** The provider side of the SES driver: one SESv2Client, never retrying on its own. */
export interface SesClient {
  /**
   * Why the client must not be used (a user's client that retries on its
   * own), or `undefined`. Checked once.
   */
  problem(): Promise<string | undefined>;
  /** The region the client really sends from. */
  region(): Promise<unknown>;
  sendEmail(input: SendEmailCommandInput, signal?: AbortSignal): Promise<SesOutcome>;
  getAccount(signal?: AbortSignal): Promise<GetAccountCommandOutput>;
  deleteSuppressedDestination(email: string): Promise<unknown>;
  deleteContact(contactListName: string, email: string): Promise<unknown>;
  /** Destroys the client the transport made (never one it was given). */
  close(): void;
}

async function clientMaxAttempts(client: SESv2Client): Promise<number> {
  const setting: unknown = client.config.maxAttempts;
  const value = typeof setting === 'function' ? await (setting as () => unknown)() : setting;
  return typeof value === 'number' ? value : Number.NaN;
}

function abortError(message: string): Error {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

export function createSesClient(options: SesTransportOptions): SesClient {
  const owned = options.client === undefined;
  const client = options.client ?? new SESv2Client({ region: options.region, maxAttempts: 1 });
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let checked: Promise<string | undefined> | undefined;

  async function sendEmail(
    input: SendEmailCommandInput,
    signal?: AbortSignal,
  ): Promise<SesOutcome> {
    const command = new SendEmailCommand(input);
    const state: SesCallState = { dispatched: false, timedOut: false, aborted: false };
    const controller = new AbortController();
    // Innermost middleware, right before the HTTP handler: from here on SES may have the request.
    command.middlewareStack.add(
      (next) => async (args) => {
        // Aborted or timed out while the SDK resolved credentials or signed: nothing left yet.
        if (controller.signal.aborted) throw abortError('Aborted before the request was sent.');
        state.dispatched = true;
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'gdprMailDispatchMarker' },
    );
    const onAbort = () => {
      state.aborted = true;
      controller.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      state.timedOut = true;
      controller.abort(new Error('SES request timed out'));
    }, requestTimeoutMs);
    try {
      const call = client.send(command, { abortSignal: controller.signal });
      // The SDK only watches the signal once the HTTP handler has the request; a hung
      // credential lookup would outlive the timeout. Race it: the marker above keeps a
      // late call from ever leaving.
      call.catch(() => {});
      const stopped = new Promise<never>((_, reject) => {
        controller.signal.addEventListener(
          'abort',
          () => reject(abortError('The SES call was stopped.')),
          { once: true },
        );
      });
      stopped.catch(() => {});
      return { kind: 'answered', output: await Promise.race([call, stopped]) };
    } catch (error) {
      return { kind: 'error', error, state };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    // A user's client that retries on its own could mail twice after a timeout.
    problem() {
      checked ??= owned
        ? Promise.resolve(undefined)
        : clientMaxAttempts(client).then((attempts) =>
            attempts === 1
              ? undefined
              : 'The SESv2Client retries on its own: create it with maxAttempts: 1 (SES has no idempotency key, a retry after a timeout can mail twice).',
          );
      return checked;
    },
    region: () => client.config.region(),
    sendEmail,
    getAccount: (signal) =>
      client.send(new GetAccountCommand({}), signal === undefined ? {} : { abortSignal: signal }),
    deleteSuppressedDestination: (email) =>
      client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: email })),
    deleteContact: (ContactListName, email) =>
      client.send(new DeleteContactCommand({ ContactListName, EmailAddress: email })),
    close() {
      if (owned) client.destroy();
    },
  };
}

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
