import { isGdprMailError } from '../errors/gdpr-mail-error.js';

/**
 * Optimistic writes (ledger appends) lose to a concurrent writer with
 * STORE_CONFLICT; re-running the whole read-decide-write unit is then safe.
 */
export async function withConflictRetry<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isGdprMailError(error, 'STORE_CONFLICT') || !error.retryable) {
        throw error;
      }
    }
  }
}
