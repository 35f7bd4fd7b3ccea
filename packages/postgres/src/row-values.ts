/**
 * pg and PGlite decode the same column types differently (int8: string vs
 * BigInt, jsonb: object or string, timestamptz: Date):
 * every value read goes through one of these, so the store sees one shape.
 */

export function toInt(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  throw new TypeError(`Expected an integer column, got ${typeof value}.`);
}

export function toDate(value: unknown): Date {
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw new TypeError(`Expected a timestamp column, got ${typeof value}.`);
}

export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`Expected a text column, got ${typeof value}.`);
}

export function toOptionalText(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : toText(value);
}

const DATE_TAG = '$date';

/**
 * JSON for jsonb columns that keeps Dates as Dates: a Date becomes
 * `{ "$date": iso }` and is revived on the way out, so profiles round-trip.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, member) {
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : member;
  });
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === DATE_TAG && typeof record[DATE_TAG] === 'string') {
      return new Date(record[DATE_TAG]);
    }
    return Object.fromEntries(keys.map((k) => [k, revive(record[k])]));
  }
  return value;
}

export function decodeJson<T>(value: unknown): T {
  return revive(typeof value === 'string' ? JSON.parse(value) : value) as T;
}
