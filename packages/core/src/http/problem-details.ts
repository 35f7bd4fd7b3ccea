import type { GdprMailErrorCode, GdprMailErrorIssue } from '../errors/gdpr-mail-error.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';

/** RFC 9457 problem details, with the SDK's stable code as an extension member. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code:
    | GdprMailErrorCode
    | 'INTERNAL_ERROR'
    | 'NOT_FOUND'
    | 'METHOD_NOT_ALLOWED'
    | 'PAYLOAD_TOO_LARGE'
    | 'RATE_LIMITED'
    | 'CSRF_FAILED';
  issues?: readonly GdprMailErrorIssue[];
  /**
   * Seconds to wait before trying again (429 only), from the error's
   * `details.retryAfterMs`; the routes also send it as the `Retry-After` header.
   */
  retryAfter?: number;
}

/** Whole seconds (at least 1) from a rate-limited error's `details.retryAfterMs`. */
function retryAfterSeconds(details: Readonly<Record<string, unknown>>): number | undefined {
  const ms = details.retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.max(1, Math.ceil(ms / 1000));
}

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  CONFIG_INVALID: 500,
  VALIDATION_FAILED: 400,
  INVALID_EMAIL: 400,
  UNKNOWN_PURPOSE: 400,
  CONSENT_NOT_AFFIRMATIVE: 422,
  CONSENT_PRECHECKED: 422,
  CONSENT_BUNDLED: 422,
  CONSENT_REQUIRED: 403,
  NOTICE_INCOMPLETE: 422,
  NOTICE_VERSION_MISMATCH: 409,
  SUBJECT_NOT_FOUND: 404,
  SUPPRESSED: 403,
  STORE_CONFLICT: 409,
  STORE_FAILURE: 503,
  STORE_LOCKED: 503,
  TOKEN_INVALID: 400,
  TOKEN_EXPIRED: 410,
  TOKEN_WRONG_TYPE: 400,
  TOKEN_USED: 409,
  OPT_IN_NOT_PENDING: 409,
  TEMPLATE_REJECTED: 500,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  DSAR_NOT_FOUND: 404,
  DSAR_NOT_VERIFIED: 409,
  DSAR_CLOSED: 409,
  DSAR_EXTENSION_REFUSED: 422,
  BREACH_CLOSED: 409,
  BREACH_DELAY_REASON_REQUIRED: 422,
  BREACH_SUBJECTS_NOT_NOTIFIED: 422,
  BREACH_NOT_FOUND: 404,
};

const TITLE_BY_STATUS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/**
 * Maps any thrown value to a problem document. Unknown errors become a bare 500
 * whose detail never echoes the internal message (it may hold personal data).
 */
export function toProblem(
  error: unknown,
  typeBase = 'https://gdpr-mail.dev/problems/',
): ProblemDetails {
  if (isGdprMailError(error)) {
    const status = statusForCode(error.code);
    const retryAfter = status === 429 ? retryAfterSeconds(error.details) : undefined;
    return {
      type: `${typeBase}${error.code.toLowerCase().replaceAll('_', '-')}`,
      title: TITLE_BY_STATUS[status] ?? 'Error',
      status,
      detail: status >= 500 ? 'The server could not complete the request.' : error.message,
      code: error.code,
      ...(error.issues.length > 0 && status < 500 ? { issues: error.issues } : {}),
      ...(retryAfter === undefined ? {} : { retryAfter }),
    };
  }
  return {
    type: `${typeBase}internal-error`,
    title: TITLE_BY_STATUS[500]!,
    status: 500,
    detail: 'The server could not complete the request.',
    code: 'INTERNAL_ERROR',
  };
}

export function problem(
  code: ProblemDetails['code'],
  detail: string,
  typeBase = 'https://gdpr-mail.dev/problems/',
): ProblemDetails {
  const status = statusForCode(code);
  return {
    type: `${typeBase}${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLE_BY_STATUS[status] ?? 'Error',
    status,
    detail,
    code,
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
