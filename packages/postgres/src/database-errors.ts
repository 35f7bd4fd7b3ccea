import { GdprMailError, isGdprMailError } from '@gdpr-mail/core';

/** SQLSTATEs after which re-running the whole unit of work is safe. */
const RETRYABLE_CONFLICTS = new Set(['40001', '40P01']);

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

/** Errors raised by the database itself carry a five-character SQLSTATE. */
export function isDatabaseError(error: unknown): boolean {
  return !isGdprMailError(error) && sqlState(error) !== undefined;
}

/** Turns a driver error into a typed GdprMailError; leaves ours untouched. */
export function toStoreError(error: unknown): unknown {
  if (isGdprMailError(error)) return error;
  const state = sqlState(error);
  if (state !== undefined && RETRYABLE_CONFLICTS.has(state)) {
    return new GdprMailError('STORE_CONFLICT', 'A concurrent transaction won; retry.', {
      cause: error,
      retryable: true,
      details: { sqlState: state },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GdprMailError('STORE_FAILURE', `The database refused the operation: ${message}`, {
    cause: error,
    // Class 08 = connection exceptions: the same statement may work on a new connection.
    retryable: state?.startsWith('08') ?? false,
    details: state === undefined ? {} : { sqlState: state },
  });
}
