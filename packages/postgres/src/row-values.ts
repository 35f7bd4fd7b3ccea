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

/**
 * Turns `{ "$date": iso }` back into Dates, in place: the value is what the
 * driver (or JSON.parse) just built for this read, shared with no one. In
 * place because audience pages decode a profile per row (600,000 in a 1M
 * scan); rebuilding every object and array with Object.fromEntries cost
 * about as much as the rest of the row's mapping once profiles held a
 * sealed blob.
 */
function revive(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const member: unknown = value[i];
      if (member !== null && typeof member === 'object') value[i] = revive(member);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  const tag = record[DATE_TAG];
  if (typeof tag === 'string' && Object.hasOwn(record, DATE_TAG)) {
    let keys = 0;
    for (const _ in record) keys += 1;
    if (keys === 1) return new Date(tag);
  }
  for (const key in record) {
    const member = record[key];
    if (member === null || typeof member !== 'object') continue;
    const revived = revive(member);
    // Only Dates replace a member; an own "__proto__" key is defined, never assigned.
    if (revived !== member) {
      Object.defineProperty(record, key, {
        value: revived,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return record;
}

export function decodeJson<T>(value: unknown): T {
  return revive(typeof value === 'string' ? JSON.parse(value) : value) as T;
}
