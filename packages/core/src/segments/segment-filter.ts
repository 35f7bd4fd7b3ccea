import { GdprMailError } from '../errors/gdpr-mail-error.js';

/** The clear, non-identifying facts a segment can target (see docs/security.md). */
export const SEGMENT_FIELDS = ['segment', 'tag', 'source', 'language', 'country'] as const;
export type SegmentField = (typeof SEGMENT_FIELDS)[number];

/** One value, or any of several (`{ in: [...] }`). */
export type SegmentValues = string | { in: readonly string[] };

/**
 * Who a campaign or an audience targets, as the app writes it:
 * `{ all: [{ segment: 'salon-2018' }, { language: { in: ['fr', 'nl'] } }, { consentedWithin: 'P24M' }] }`.
 *
 * - `segment`, `tag`, `source`: the contact is on one of these lists, carries one
 *   of these tags, came from one of these import sources (labels).
 * - `language` (ISO 639-1), `country` (ISO 3166-1 alpha-2): one of these.
 * - `consentedWithin` / `consentedSince`: a grant or confirmation for the
 *   campaign's purpose recorded in the ledger within the ISO 8601 duration
 *   (`P24M`, `P1Y`, `P30D`) or since the instant.
 * - `engagedWithin` / `engagedSince`: the person's last recorded act
 *   (`profile.lastInteractionAt`, which `subjects.recordInteraction` sets;
 *   consent events do not) within the duration or since the instant.
 *
 * A person without the fact (no language, never engaged) does not match the
 * condition, and does match its `not`.
 */
export type SegmentFilter =
  | { all: readonly SegmentFilter[] }
  | { any: readonly SegmentFilter[] }
  | { not: SegmentFilter }
  | { segment: SegmentValues }
  | { tag: SegmentValues }
  | { source: SegmentValues }
  | { language: SegmentValues }
  | { country: SegmentValues }
  | { consentedWithin: string }
  | { consentedSince: Date }
  | { engagedWithin: string }
  | { engagedSince: Date };

/**
 * A filter with its durations resolved to instants and its values
 * normalised: what a store compiles (to SQL) or evaluates (`matchesSegment`).
 */
export type AudienceSegment =
  | { readonly op: 'all' | 'any'; readonly of: readonly AudienceSegment[] }
  | { readonly op: 'not'; readonly of: AudienceSegment }
  | { readonly op: 'in'; readonly field: SegmentField; readonly values: readonly string[] }
  | { readonly op: 'since'; readonly field: 'consent' | 'engagement'; readonly at: Date };

/** Bounds that keep a compiled query small whatever the caller sends. */
const MAX_DEPTH = 8;
const MAX_CONDITIONS = 64;
const MAX_VALUES = 1000;
const MAX_VALUE_LENGTH = 200;
/**
 * The instants a segment may name: years 1 to 9999, what every store can
 * compare (PostgreSQL refuses the expanded years JavaScript can write).
 */
const MIN_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
/** Lone surrogates: no UTF-8 for them, so a SQL store would compare something else. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What PostgreSQL text cannot hold (NUL) or would store as something else. */
function unstorable(value: string): boolean {
  return value.includes('\0') || LONE_SURROGATE.test(value);
}

/** A value a segment can name and every store can hold: 1 to 200 characters, storable. */
function isTargetable(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_VALUE_LENGTH &&
    !unstorable(value)
  );
}

const DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

function invalid(message: string, path: string): never {
  throw new GdprMailError('VALIDATION_FAILED', message, {
    details: { path },
    issues: [{ path, message }],
  });
}

/**
 * `now` minus an ISO 8601 duration, in UTC. Months and years move the
 * calendar (31 March minus one month is 28 or 29 February, not 3 March);
 * weeks, days and times are fixed lengths.
 */
export function subtractDuration(now: Date, duration: string): Date {
  const m = DURATION.exec(duration);
  if (!m) {
    throw new GdprMailError(
      'VALIDATION_FAILED',
      `"${duration}" is not an ISO 8601 duration such as P24M, P1Y or P30D.`,
      { details: { duration } },
    );
  }
  const [years, months, weeks, days, hours, minutes, seconds] = m
    .slice(1)
    .map((part) => Number(part ?? 0)) as [number, number, number, number, number, number, number];
  const at = new Date(now.getTime());
  const totalMonths = at.getUTCFullYear() * 12 + at.getUTCMonth() - years * 12 - months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  at.setUTCFullYear(year, month, Math.min(at.getUTCDate(), lastDay));
  const fixed = ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  const result = new Date(at.getTime() - fixed);
  if (Number.isNaN(result.getTime())) {
    throw new GdprMailError('VALIDATION_FAILED', `"${duration}" reaches out of range.`, {
      details: { duration },
    });
  }
  return result;
}

function values(raw: unknown, field: SegmentField, path: string): string[] {
  const list: unknown =
    typeof raw === 'string'
      ? [raw]
      : typeof raw === 'object' && raw !== null && Object.keys(raw).join() === 'in'
        ? (raw as { in: unknown }).in
        : undefined;
  if (!Array.isArray(list)) {
    invalid(`${field} takes a string or { in: [strings] }.`, path);
  }
  if (list.length > MAX_VALUES) invalid(`${field} takes at most ${MAX_VALUES} values.`, path);
  return list.map((value: unknown) => {
    if (!isTargetable(value)) {
      invalid(
        `${field} values are strings of 1 to ${MAX_VALUE_LENGTH} characters (no NUL, well-formed UTF-16).`,
        path,
      );
    }
    // Stored as the SDK writes them: languages lower case, countries upper case.
    if (field === 'language') return value.toLowerCase();
    if (field === 'country') return value.toUpperCase();
    return value;
  });
}

function instant(raw: unknown, key: string, path: string): Date {
  if (!(raw instanceof Date) || Number.isNaN(raw.getTime())) invalid(`${key} takes a Date.`, path);
  return inRange(raw, key, path);
}

/** Refuses an instant outside years 1 to 9999, which a SQL store could not compare. */
function inRange(at: Date, key: string, path: string): Date {
  const time = at.getTime();
  if (time < MIN_INSTANT || time > MAX_INSTANT) {
    invalid(`${key} reaches outside the years 1 to 9999.`, path);
  }
  return new Date(time);
}

/**
 * Checks what `setSubjectSegments` is given before any store writes it: each
 * list given is an array of at most 1,000 names of 1 to 200 characters (no NUL,
 * well-formed UTF-16), the names a segment filter can target. A store calls it
 * first, so that a bad list is `VALIDATION_FAILED` on every store (a NUL was a
 * `STORE_FAILURE` on SQL, a number was kept by the memory store) and nothing is
 * written.
 */
export function checkSegmentChange(change: unknown): void {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    invalid('A segment change is { segments?, tags? }.', '');
  }
  for (const key of Object.keys(change)) {
    const list: unknown = (change as Record<string, unknown>)[key];
    if (key !== 'segments' && key !== 'tags') {
      invalid(`A segment change sets "segments" and "tags" only, not "${key.slice(0, 50)}".`, key);
    }
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > MAX_VALUES) {
      invalid(`${key} is an array of at most ${MAX_VALUES} names.`, key);
    }
    list.forEach((value: unknown, index: number) => {
      if (!isTargetable(value)) {
        invalid(
          `${key} names are strings of 1 to ${MAX_VALUE_LENGTH} characters (no NUL, well-formed UTF-16).`,
          `${key}.${index}`,
        );
      }
    });
  }
}

/**
 * Checks a filter and resolves it against `now` (the SDK's clock): durations
 * become instants, values are normalised. Throws VALIDATION_FAILED naming the
 * first bad node.
 */
export function resolveSegmentFilter(filter: SegmentFilter, now: Date): AudienceSegment {
  let conditions = 0;
  const walk = (node: unknown, path: string, depth: number): AudienceSegment => {
    if (depth > MAX_DEPTH) invalid(`A segment nests at most ${MAX_DEPTH} levels.`, path);
    conditions += 1;
    if (conditions > MAX_CONDITIONS) {
      invalid(`A segment has at most ${MAX_CONDITIONS} conditions.`, path);
    }
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      invalid('A segment condition is an object with one key.', path);
    }
    const keys = Object.keys(node);
    if (keys.length !== 1) invalid('A segment condition is an object with one key.', path);
    const key = keys[0]!;
    const value: unknown = (node as Record<string, unknown>)[key];
    const at = path ? `${path}.${key}` : key;
    switch (key) {
      case 'all':
      case 'any': {
        if (!Array.isArray(value)) invalid(`${key} takes an array of conditions.`, at);
        return { op: key, of: value.map((child, i) => walk(child, `${at}.${i}`, depth + 1)) };
      }
      case 'not':
        return { op: 'not', of: walk(value, at, depth + 1) };
      case 'segment':
      case 'tag':
      case 'source':
      case 'language':
      case 'country':
        return { op: 'in', field: key, values: values(value, key, at) };
      case 'consentedWithin':
      case 'engagedWithin': {
        if (typeof value !== 'string') invalid(`${key} takes an ISO 8601 duration.`, at);
        const field = key === 'consentedWithin' ? 'consent' : 'engagement';
        return { op: 'since', field, at: inRange(subtractDuration(now, value), key, at) };
      }
      case 'consentedSince':
      case 'engagedSince': {
        const field = key === 'consentedSince' ? 'consent' : 'engagement';
        return { op: 'since', field, at: instant(value, key, at) };
      }
      default:
        return invalid(`Unknown segment condition "${key}".`, at);
    }
  };
  return walk(filter, '', 0);
}

/** Whether a resolved segment reads the consent ledger (the others read the profile only). */
export function segmentReadsConsent(segment: AudienceSegment): boolean {
  switch (segment.op) {
    case 'all':
    case 'any':
      return segment.of.some(segmentReadsConsent);
    case 'not':
      return segmentReadsConsent(segment.of);
    case 'in':
      return false;
    case 'since':
      return segment.field === 'consent';
  }
}
