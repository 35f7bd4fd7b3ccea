/**
 * A deep copy of the plain data stores hold (objects, arrays, Dates,
 * primitives). Several times faster than structuredClone on small records,
 * which matters because the memory store copies on every read.
 */
export function cloneRecord<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(cloneRecord) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.hasOwn(value, key)) out[key] = cloneRecord((value as Record<string, unknown>)[key]);
  }
  return out as T;
}
