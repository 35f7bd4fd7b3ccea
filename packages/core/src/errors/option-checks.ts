import { GdprMailError } from './gdpr-mail-error.js';

/**
 * Numeric and enumerated options checked before any work starts: a bad value
 * would otherwise surface later and differently per store (a NaN date refused
 * by SQL mid-run, silently compared false by the memory store).
 */

/** A positive integer (a page or batch size); `fallback` when unset. */
export function positiveIntegerOption(
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new GdprMailError('VALIDATION_FAILED', `${name} must be a positive integer.`, {
      details: { [name]: value },
    });
  }
  return value;
}

/** A duration in milliseconds, finite and >= 0; `fallback` when unset. */
export function millisecondsOption<F extends number | undefined>(
  name: string,
  value: number | undefined,
  fallback: F,
): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new GdprMailError('VALIDATION_FAILED', `${name} must be a number of milliseconds >= 0.`, {
      details: { [name]: value },
    });
  }
  return value;
}

/** One of `allowed`; `fallback` when unset. */
export function oneOfOption<T extends string>(
  name: string,
  value: T | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      `${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}.`,
      { details: { [name]: typeof value === 'string' ? value.slice(0, 100) : value } },
    );
  }
  return value;
}
