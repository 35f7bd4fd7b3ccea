import { failed, parseRetryAfter, redactAddresses, type SendResult } from '@gdpr-mail/core';
import { z } from 'zod';
import type { HttpAnswer, HttpFailure } from './http-client.js';
import { parseJsonKeepingIds } from './json-big-int.js';

const id = z.union([z.string(), z.number()]).transform(String);

const apiError = z.looseObject({
  ErrorIdentifier: z.string().optional(),
  ErrorCode: z.string().optional(),
  StatusCode: z.number().optional(),
  ErrorMessage: z.string().optional(),
});

const messageResult = z.looseObject({
  Status: z.string(),
  CustomID: z.string().optional(),
  Errors: z.array(apiError).optional(),
  To: z
    .array(z.looseObject({ MessageID: id.optional(), MessageUUID: z.string().optional() }))
    .optional(),
});

const sendResponse = z.looseObject({ Messages: z.array(messageResult) });

type MessageResult = z.infer<typeof messageResult>;
type ApiError = z.infer<typeof apiError>;

function describe(error: ApiError | undefined, fallback: string): string {
  return redactAddresses(error?.ErrorMessage ?? fallback);
}

function providerCode(error: ApiError | undefined, status: number): string {
  return error?.ErrorCode ? `${error.ErrorCode} (${error.StatusCode ?? status})` : `HTTP ${status}`;
}

/** The result of one `Messages[i]` entry, whatever the HTTP status of the call. */
function mapMessage(entry: MessageResult | undefined, httpStatus: number): SendResult {
  if (entry === undefined) {
    return {
      status: 'ambiguous',
      message: 'Mailjet answered without a result for this message; it may have been sent.',
      providerCode: `HTTP ${httpStatus}`,
    };
  }
  if (entry.Status === 'success') {
    const to = entry.To?.[0];
    return {
      status: 'accepted',
      providerMessageId: to?.MessageID ?? to?.MessageUUID ?? entry.CustomID ?? 'mailjet:unknown',
    };
  }
  if (entry.Status !== 'error') {
    return {
      status: 'ambiguous',
      message: `Mailjet reported the unknown status "${entry.Status.slice(0, 40)}".`,
      providerCode: `HTTP ${httpStatus}`,
    };
  }
  const error = entry.Errors?.[0];
  const status = error?.StatusCode ?? httpStatus;
  const message = describe(error, 'Mailjet refused the message.');
  const code = providerCode(error, httpStatus);
  if (status === 401 || status === 403) return failed('auth', message, { providerCode: code });
  if (status === 429) return failed('rate-limited', message, { providerCode: code });
  if (status >= 500) return failed('transient', message, { providerCode: code });
  return failed('rejected', message, { retryable: false, providerCode: code });
}

function all(count: number, result: SendResult): SendResult[] {
  return Array.from({ length: count }, () => result);
}

/**
 * Turns the answer to `POST /v3.1/send` for `count` messages into one result
 * per message, in order. Per-message results come from `Messages[i]` whenever
 * the body has them, on HTTP 400 too: Mailjet sends the good messages of a
 * batch with bad ones, so the call is never resent as a whole.
 */
export function mapSendResponse(answer: HttpAnswer, count: number): SendResult[] {
  const { status } = answer;
  const json = answer.text === undefined ? undefined : parseJsonKeepingIds(answer.text);
  const parsed = sendResponse.safeParse(json);
  if (parsed.success && parsed.data.Messages.length > 0) {
    return Array.from({ length: count }, (_, i) => mapMessage(parsed.data.Messages[i], status));
  }

  const global = apiError.safeParse(json);
  const error = global.success ? global.data : undefined;
  const code = providerCode(error, status);

  if (status >= 200 && status < 300) {
    return all(count, {
      status: 'ambiguous',
      message:
        'Mailjet accepted the call but its answer could not be read; the messages may have been sent.',
      providerCode: code,
    });
  }
  if (status === 401 || status === 403) {
    return all(
      count,
      failed('auth', describe(error, 'Mailjet refused the API key and secret.'), {
        providerCode: code,
      }),
    );
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headerText(answer.headers['retry-after']));
    return all(
      count,
      failed('rate-limited', describe(error, 'Mailjet asked to slow down (HTTP 429).'), {
        providerCode: code,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }),
    );
  }
  if (status >= 500) {
    // A Mailjet error body (or a 503) says the API refused the call: nothing
    // was sent. A bare 500/502/504 from a gateway may hide a send that went
    // through, so those are ambiguous rather than retried.
    if (error?.ErrorMessage !== undefined || error?.ErrorCode !== undefined || status === 503) {
      const retryAfterMs = parseRetryAfter(headerText(answer.headers['retry-after']));
      return all(
        count,
        failed('transient', describe(error, `Mailjet is unavailable (HTTP ${status}).`), {
          providerCode: code,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
      );
    }
    return all(count, {
      status: 'ambiguous',
      message: `Mailjet answered HTTP ${status} without saying whether the messages were sent.`,
      providerCode: code,
    });
  }
  return all(
    count,
    failed('rejected', describe(error, `Mailjet refused the call (HTTP ${status}).`), {
      retryable: false,
      providerCode: code,
    }),
  );
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The result for every message of a call that got no answer. */
export function mapHttpFailure(failure: HttpFailure, count: number): SendResult[] {
  const message = redactAddresses(failure.message);
  const extra = failure.code === undefined ? {} : { providerCode: failure.code };
  if (!failure.sent) {
    return all(count, failed('transient', `Could not reach Mailjet: ${message}`, extra));
  }
  return all(count, {
    status: 'ambiguous',
    message: `The connection to Mailjet failed after the request was sent; the messages may have been sent: ${message}`,
    ...extra,
  });
}
