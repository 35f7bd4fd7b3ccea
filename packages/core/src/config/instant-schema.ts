import { z } from 'zod';

/**
 * An instant given as a `Date`, an ISO 8601 string or epoch milliseconds. Not
 * `z.coerce.date()`: it reads `null` as 1 January 1970 and a missing field as an
 * "Invalid Date" whose message ("expected date, received Date") hides that the
 * field is missing.
 */
export const instantSchema = z.preprocess(
  (value: Date | string | number) =>
    typeof value === 'string' || typeof value === 'number' ? new Date(value) : value,
  z.date({
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be a valid date or ISO 8601 string',
  }),
);
