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
  const n = body.length;
  if (n < 4 || body.charCodeAt(0) !== 49 || body.charCodeAt(1) !== TILDE) throw invalid();
  const type = typeByCode.get(body[2]!);
  if (type === undefined || body.charCodeAt(3) !== TILDE) throw invalid();

  // subject
  let i = 4;
  const subjectStart = i;
  while (i < n && (classOf(body.charCodeAt(i)) & ID) !== 0) i += 1;
  if (i === subjectStart || i - subjectStart > 128 || body.charCodeAt(i) !== TILDE) throw invalid();
  const subjectId = body.slice(subjectStart, i);
  i += 1;

  // purposes
  const purposes: string[] = [];
  for (;;) {
    const start = i;
    const first = body.charCodeAt(i);
    if (first === UNDERSCORE) {
      i += 1;
      purposes.push('*');
    } else {
      if ((classOf(first) & LOWER) === 0) throw invalid();
      i += 1;
      while (i < n && (classOf(body.charCodeAt(i)) & PURPOSE_REST) !== 0) i += 1;
      if (i - start > 64) throw invalid();
      purposes.push(body.slice(start, i));
    }
    if (purposes.length > MAX_PURPOSES) throw invalid();
    const next = body.charCodeAt(i);
    if (next === TILDE) break;
    if (next !== DOT) throw invalid();
    i += 1;
  }
  i += 1;

  // notice versions: empty, or one item per purpose
  let noticeVersions: Record<string, string> | undefined;
  if (body.charCodeAt(i) !== TILDE) {
    noticeVersions = {};
    let index = 0;
    for (;;) {
      const start = i;
      while (i < n && (classOf(body.charCodeAt(i)) & VERSION) !== 0) i += 1;
      if (i - start > 32 || index >= purposes.length) throw invalid();
      if (i > start) noticeVersions[purposes[index]!] = body.slice(start, i);
      index += 1;
      const next = body.charCodeAt(i);
      if (next === TILDE) break;
      if (next !== UNDERSCORE) throw invalid();
      i += 1;
    }
    if (index !== purposes.length) throw invalid();
  }
  i += 1;

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

  const claims: TokenClaims = {
    type,
    subjectId,
    purposes,
    issuedAt: new Date(issuedAt * 1000),
    nonce: body.slice(nonceStart),
  };
  if (noticeVersions !== undefined) claims.noticeVersions = noticeVersions;
  if (expiresAt !== 0) claims.expiresAt = new Date(expiresAt * 1000);
  return claims;
}
