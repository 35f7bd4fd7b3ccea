import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { classOf, DIGIT, ID, LOWER, PURPOSE_REST, VERSION } from './token-charset.js';
import type { TokenClaims, TokenType } from './token-types.js';

/*
 * The body grammar (the MAC has already held when this runs):
 *   1~<type>~<subject>~<purposes>~<versions>~<iat>~<exp>~<nonce>
 *   type     one letter of TYPE_BY_CODE
 *   subject  [A-Za-z0-9_-]{1,128}
 *   purposes item ("." item)*, item = "_" (every purpose) | [a-z][a-z0-9_-]{0,63}, at most 64
 *   versions empty, or exactly one item per purpose joined by "_", item = [A-Za-z0-9.]{0,32}
 *   iat, exp 0 | [1-9][0-9]{0,11}   (seconds; exp 0 = never, else exp > iat)
 *   nonce    [A-Za-z0-9_-]{16,64}
 * One pass over the characters with a class table: the regex-and-split version
 * cost three times as much as this and a third of a whole verify (bench/tokens).
 * decode-body.test.ts holds that regex as the reference and checks both agree.
 */

const TILDE = 126;
const DOT = 46;
const UNDERSCORE = 95;
const ZERO = 48;
const MAX_PURPOSES = 64;

function invalid(): GdprMailError {
  return new GdprMailError('TOKEN_INVALID', 'This link is not valid.', {
    details: { reason: 'payload' },
  });
}

/** Purposes and notice versions as decoded from one text of the body's purposes-and-versions part. */
interface Segment {
  readonly purposes: readonly string[];
  readonly versions: Readonly<Record<string, string>> | undefined;
}

/**
 * Decoded purposes-and-versions parts, by their exact text: a handful recur on
 * every link (one per purpose list and notice version), so each distinct text is
 * scanned against the grammar once, and later bodies holding the same text get
 * copies of the same result. Only the MAC-checked bodies of this process's tokens
 * reach it (nothing an attacker wrote); callers only ever get copies (nothing
 * here is shared); at most MAX_SEGMENTS texts, then it starts afresh.
 */
const MAX_SEGMENTS = 64;
const segments = new Map<string, Segment>();
/**
 * The text read last and its result, tried before the map (a mailing's links all
 * carry the same one): empty at first, and a part is never empty.
 */
let lastText = '';
let lastSegment: Segment = { purposes: [], versions: undefined };

/** The part from `start` to `end` (the `~` closing the versions), decoded or refused. */
function readSegment(body: string, start: number, end: number): Segment {
  const text = body.slice(start, end);
  let segment = segments.get(text);
  if (segment === undefined) {
    segment = scanSegment(body, start, end);
    if (segments.size >= MAX_SEGMENTS) segments.clear();
    segments.set(text, segment);
  }
  lastText = text;
  lastSegment = segment;
  return segment;
}

/**
 *   purposes item ("." item)*, then "~", then versions: empty, or one item per purpose joined by "_"
 * (neither holds a `~`, so the part ends at `end` exactly when it is well formed).
 */
function scanSegment(body: string, start: number, end: number): Segment {
  let i = start;
  const purposes: string[] = [];
  for (;;) {
    const itemStart = i;
    const first = body.charCodeAt(i);
    if (first === UNDERSCORE) {
      i += 1;
      purposes.push('*');
    } else {
      if ((classOf(first) & LOWER) === 0) throw invalid();
      i += 1;
      while (i < end && (classOf(body.charCodeAt(i)) & PURPOSE_REST) !== 0) i += 1;
      if (i - itemStart > 64) throw invalid();
      purposes.push(body.slice(itemStart, i));
    }
    if (purposes.length > MAX_PURPOSES) throw invalid();
    const next = body.charCodeAt(i);
    if (next === TILDE) break;
    if (next !== DOT) throw invalid();
    i += 1;
  }
  i += 1;

  // notice versions: empty, or one item per purpose
  let versions: Record<string, string> | undefined;
  if (i < end) {
    versions = {};
    let index = 0;
    for (;;) {
      const itemStart = i;
      while (i < end && (classOf(body.charCodeAt(i)) & VERSION) !== 0) i += 1;
      if (i - itemStart > 32 || index >= purposes.length) throw invalid();
      if (i > itemStart) versions[purposes[index]!] = body.slice(itemStart, i);
      index += 1;
      const next = body.charCodeAt(i);
      if (next === TILDE) break;
      if (next !== UNDERSCORE) throw invalid();
      i += 1;
    }
    if (index !== purposes.length) throw invalid();
  }
  if (i !== end) throw invalid();
  return { purposes, versions };
}

/** The value `readSeconds` read last: a module slot rather than a result object per call. */
let seconds = 0;

/** `0 | [1-9][0-9]{0,11}` then `~`; sets `seconds`, returns the index after the `~`. */
function readSeconds(body: string, start: number): number {
  let i = start;
  let value = 0;
  while ((classOf(body.charCodeAt(i)) & DIGIT) !== 0) {
    value = value * 10 + (body.charCodeAt(i) - ZERO);
    i += 1;
  }
  const length = i - start;
  if (length === 0 || length > 12 || (length > 1 && body.charCodeAt(start) === ZERO)) {
    throw invalid();
  }
  if (body.charCodeAt(i) !== TILDE) throw invalid();
  seconds = value;
  return i + 1;
}

/** Strict: one character out of place and the body is refused. */
export function decodeBody(body: string, typeByCode: ReadonlyMap<string, TokenType>): TokenClaims {
  return decodeBodyAt(body, 0, typeByCode);
}

/**
 * `decodeBody` of the text from `from` to the end: the verifier hands it the
 * signed part of a token (`<kid>.<body>`) and where the body starts, so the body
 * is never copied out (a slice per verify, and its characters read through it).
 */
export function decodeBodyAt(
  body: string,
  from: number,
  typeByCode: ReadonlyMap<string, TokenType>,
): TokenClaims {
  const n = body.length;
  if (
    n - from < 4 ||
    body.charCodeAt(from) !== 49 ||
    body.charCodeAt(from + 1) !== TILDE ||
    body.charCodeAt(from + 3) !== TILDE
  ) {
    throw invalid();
  }
  const type = typeByCode.get(body[from + 2]!);
  if (type === undefined) throw invalid();

  // subject
  let i = from + 4;
  const subjectStart = i;
  while (i < n && (classOf(body.charCodeAt(i)) & ID) !== 0) i += 1;
  if (i === subjectStart || i - subjectStart > 128 || body.charCodeAt(i) !== TILDE) throw invalid();
  const subjectId = body.slice(subjectStart, i);
  i += 1;

  // purposes and their notice versions, the one field of a body that repeats from link
  // to link: checked once per distinct text, then copied
  let segment: Segment;
  if (
    lastText !== '' &&
    body.indexOf(lastText, i) === i &&
    body.charCodeAt(i + lastText.length) === TILDE
  ) {
    // The text read last, again, and a `~` right after it: that text holds exactly one `~`,
    // so this is the very part the search below would cut out (no slice, no hashing).
    segment = lastSegment;
    i += lastText.length + 1;
  } else {
    const purposesEnd = body.indexOf('~', i);
    const end = purposesEnd < 0 ? -1 : body.indexOf('~', purposesEnd + 1);
    if (end < 0) throw invalid();
    segment = readSegment(body, i, end);
    i = end + 1;
  }
  const purposes = segment.purposes.slice();

  // issued-at and expiry, in seconds
  i = readSeconds(body, i);
  const issuedAt = seconds;
  i = readSeconds(body, i);
  const expiresAt = seconds;
  if (expiresAt !== 0 && expiresAt <= issuedAt) throw invalid();

  // nonce, to the end
  const nonceStart = i;
  while (i < n && (classOf(body.charCodeAt(i)) & ID) !== 0) i += 1;
  const nonceLength = i - nonceStart;
  if (i !== n || nonceLength < 16 || nonceLength > 64) throw invalid();

  const nonce = body.slice(nonceStart);
  // Each shape in one literal (no property added afterwards); absent fields stay absent.
  if (segment.versions === undefined) {
    if (expiresAt === 0) {
      return { type, subjectId, purposes, issuedAt: new Date(issuedAt * 1000), nonce };
    }
    return {
      type,
      subjectId,
      purposes,
      issuedAt: new Date(issuedAt * 1000),
      nonce,
      expiresAt: new Date(expiresAt * 1000),
    };
  }
  const noticeVersions = { ...segment.versions };
  if (expiresAt === 0) {
    return {
      type,
      subjectId,
      purposes,
      issuedAt: new Date(issuedAt * 1000),
      nonce,
      noticeVersions,
    };
  }
  return {
    type,
    subjectId,
    purposes,
    issuedAt: new Date(issuedAt * 1000),
    nonce,
    noticeVersions,
    expiresAt: new Date(expiresAt * 1000),
  };
}
