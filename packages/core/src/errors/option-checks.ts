import { GdprMailError } from './gdpr-mail-error.js';

/**
 * Numeric and enumerated options checked before any work starts: a bad value
 * would otherwise surface later and differently per store (a NaN date refused
 * by SQL mid-run, silently compared false by the memory store).
 */

/** A whole number from `min` to `max` (a count, a size, an interval); undefined when unset. */
export function integerOption(
  name: string,
  value: number | undefined,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `from ${min} up` : `from ${min} to ${max}`;
    throw new GdprMailError('VALIDATION_FAILED', `${name} must be a whole number ${range}.`, {
      details: { [name]: String(value) },
    });
  }
  return value;
}

/** A positive integer (a page or batch size); `fallback` when unset. */
export function positiveIntegerOption(
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  return integerOption(name, value, 1) ?? fallback;
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
