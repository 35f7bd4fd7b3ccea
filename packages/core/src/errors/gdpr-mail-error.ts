/**
 * Every error the SDK throws on purpose is a GdprMailError with a stable code.
 * Codes are part of the public API: adapters map them to HTTP statuses and apps
 * branch on them, so a code is never renamed, only added.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'VALIDATION_FAILED',
  'INVALID_EMAIL',
  'UNKNOWN_PURPOSE',
  'CONSENT_NOT_AFFIRMATIVE',
  'CONSENT_PRECHECKED',
  'CONSENT_BUNDLED',
  'CONSENT_REQUIRED',
  'NOTICE_INCOMPLETE',
  'NOTICE_VERSION_MISMATCH',
  'SUBJECT_NOT_FOUND',
  'SUPPRESSED',
  'STORE_CONFLICT',
  'STORE_FAILURE',
  'STORE_LOCKED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_WRONG_TYPE',
  'TOKEN_USED',
  'OPT_IN_NOT_PENDING',
  'TEMPLATE_REJECTED',
  'RATE_LIMITED',
  'AUDIT_CHAIN_BROKEN',
  'INVALID_MESSAGE',
  'HEADER_INJECTION',
  'PROVIDER_REJECTED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_ACCOUNT_BLOCKED',
  'DELIVERY_AMBIGUOUS',
  'SEND_ABORTED',
  'MAILER_NOT_CONFIGURED',
  'DSAR_NOT_FOUND',
  'DSAR_NOT_VERIFIED',
  'DSAR_CLOSED',
  'DSAR_EXTENSION_REFUSED',
  'FORBIDDEN',
  'BREACH_NOT_FOUND',
  'BREACH_CLOSED',
  'BREACH_DELAY_REASON_REQUIRED',
  'BREACH_SUBJECTS_NOT_NOTIFIED',
  'CIPHERTEXT_INVALID',
  'ENCRYPTION_KEY_UNKNOWN',
] as const;

export type GdprMailErrorCode = (typeof ERROR_CODES)[number];

export interface GdprMailErrorIssue {
  /** Dotted path of the offending field, e.g. `purposes.0.retention`. */
  path: string;
  message: string;
}

export interface GdprMailErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  issues?: GdprMailErrorIssue[];
  retryable?: boolean;
}

export class GdprMailError extends Error {
  override readonly name = 'GdprMailError';
  readonly code: GdprMailErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly issues: readonly GdprMailErrorIssue[];
  readonly retryable: boolean;

  constructor(code: GdprMailErrorCode, message: string, options: GdprMailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.issues = options.issues ?? [];
    this.retryable = options.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      details: this.details,
      issues: this.issues,
      retryable: this.retryable,
    };
  }
}

/**
 * Works across duplicated copies of the package (ESM + CJS in one process),
 * where `instanceof` would fail.
 */
export function isGdprMailError(value: unknown, code?: GdprMailErrorCode): value is GdprMailError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (candidate.name !== 'GdprMailError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
