import type { KeyObject } from 'node:crypto';
import { createHmac } from 'node:crypto';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { decodeBodyAt } from './decode-body.js';
import type { KeyRing } from './key-ring.js';
import { randomNonce, tokenNonce } from './nonce.js';
import { allOf, ID, isPurposeId, VERSION } from './token-charset.js';
import type { SignTokenInput, TokenClaims, TokenSigner, TokenType } from './token-types.js';
import { TOKEN_TYPES } from './token-types.js';

/*
 * Token: `<kid>.<body>.<mac>`, nothing but URL-unreserved characters, so it sits
 * in a URL path as is:
 *   body = 1~<type>~<subject>~<purpose.purpose>~<version_version>~<iat>~<exp>~<nonce>
 *   mac  = base64url(HMAC-SHA256(key[kid], "<kid>.<body>"))
 * The MAC covers the key id and the body *text* and is compared as text, so a
 * token has exactly one accepted spelling, and nothing is parsed before the MAC
 * holds. Plain text rather than base64(JSON): encoding and decoding JSON cost
 * as much as an HMAC on every link click (bench/tokens.ts). Nothing in the body
 * is personal data: a subject id, purpose ids, versions, times, a nonce.
 */
const FORMAT_VERSION = '1';
const MAX_TOKEN_LENGTH = 2048;
const MAC_LENGTH = 43;
const ITEM = '.';
/** Versions hold dots, so they are separated by `_`; a purpose without one gets an empty item. */
const VERSION_ITEM = '_';
/** `*` (every purpose) travels as `_`, which no purpose id can be. */
const ALL_WIRE = '_';

// One letter per type keeps links short; the letters are part of the format.
const TYPE_CODES: Record<TokenType, string> = {
  confirm: 'c',
  unsubscribe: 'u',
  preferences: 'p',
  'dsar-verify': 'v',
  'dsar-download': 'd',
  open: 'o',
  're-permission': 'r',
};
const TYPE_BY_CODE = new Map(TOKEN_TYPES.map((type) => [TYPE_CODES[type], type]));

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const MAX_PURPOSES = 64;
/**
 * Constant-time comparison of two MAC texts: every character is visited
 * whatever differs, so timing tells nothing about where. Comparing the text
 * (not decoded bytes) keeps one accepted spelling per MAC, and avoids two
 * buffer allocations per check on the hot path.
 */
function equalText(expected: string, token: string, at: number): boolean {
  if (token.length - at !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i += 1) {
    diff |= expected.charCodeAt(i) ^ token.charCodeAt(at + i);
  }
  return diff === 0;
}

function invalid(reason: string): GdprMailError {
  return new GdprMailError('TOKEN_INVALID', 'This link is not valid.', { details: { reason } });
}

function badInput(field: string): GdprMailError {
  return new GdprMailError('VALIDATION_FAILED', `Cannot sign a token: invalid ${field}.`, {
    details: { field },
  });
}

function toSeconds(date: Date): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) throw badInput('date');
  return Math.floor(ms / 1000);
}

/** `1~<type letter>~`, the start of every body, by type. */
const BODY_START = Object.fromEntries(
  TOKEN_TYPES.map((type) => [type, `${FORMAT_VERSION}~${TYPE_CODES[type]}~`]),
) as Record<TokenType, string>;

/**
 * The purposes-and-versions part last encoded, and what it was made from: a
 * mailing signs the same purposes and notice versions for every recipient, so
 * the checks and the string building run once per distinct list, not per link.
 * A hit needs every purpose id and version to be the very same string values
 * as when the part was checked (compared, never trusted by identity alone).
 */
let lastPurposes: readonly string[] = [];
let lastVersions: readonly (string | undefined)[] = [];
let lastHadVersions = false;
let lastPart = '';

function sameAsLast(
  purposes: readonly string[],
  noticeVersions: Readonly<Record<string, string>> | undefined,
): boolean {
  const n = purposes.length;
  if (n !== lastPurposes.length || Boolean(noticeVersions) !== lastHadVersions) return false;
  for (let i = 0; i < n; i += 1) {
    const id = purposes[i];
    if (id !== lastPurposes[i]) return false;
    if (noticeVersions && noticeVersions[id as string] !== lastVersions[i]) return false;
  }
  return true;
}

/** `<purposes>~<versions>`, checked as the verifier will insist. */
function purposesPart(
  purposes: readonly string[],
  noticeVersions: Readonly<Record<string, string>> | undefined,
): string {
  if (!Array.isArray(purposes) || purposes.length === 0 || purposes.length > MAX_PURPOSES) {
    throw badInput('purposes');
  }
  if (sameAsLast(purposes, noticeVersions)) return lastPart;
  let wirePurposes = '';
  for (const id of purposes) {
    if (typeof id !== 'string' || !isPurposeId(id)) throw badInput('purposes');
    wirePurposes += (wirePurposes === '' ? '' : ITEM) + (id === '*' ? ALL_WIRE : id);
  }
  let wireVersions = '';
  const versions: (string | undefined)[] = [];
  if (noticeVersions) {
    let first = true;
    for (const id of purposes) {
      const version = noticeVersions[id];
      if (
        version !== undefined &&
        (typeof version !== 'string' || !allOf(version, VERSION, 1, 32))
      ) {
        throw badInput('noticeVersions');
      }
      versions.push(version);
      wireVersions += (first ? '' : VERSION_ITEM) + (version ?? '');
      first = false;
    }
  }
  lastPurposes = purposes.slice();
  lastVersions = versions;
  lastHadVersions = Boolean(noticeVersions);
  lastPart = `${wirePurposes}~${wireVersions}`;
  return lastPart;
}

/**
 * `<iat>~<exp>~` last written: the links of one mailing are signed within the
 * same second, with the same expiry, so the two numbers are turned into text once.
 */
let lastIat = -1;
let lastExp = -1;
let lastTimes = '';

function timesPart(iat: number, exp: number): string {
  if (iat !== lastIat || exp !== lastExp) {
    lastTimes = `${iat}~${exp}~`;
    lastIat = iat;
    lastExp = exp;
  }
  return lastTimes;
}

/**
 * `<kid>.<body>`, the text the MAC covers. Checks what the verifier will insist
 * on, so a signed token always decodes.
 */
function encode(
  keyId: string,
  input: SignTokenInput,
  issuedAt: Date,
  nonce: string,
  trustedNonce: boolean,
): string {
  const start = BODY_START[input.type];
  if (typeof start !== 'string') throw badInput('type');
  if (typeof input.subjectId !== 'string' || !allOf(input.subjectId, ID, 1, 128)) {
    throw badInput('subjectId');
  }
  const part = purposesPart(input.purposes, input.noticeVersions);
  if (typeof nonce !== 'string' || (!trustedNonce && !allOf(nonce, ID, 16, 64)))
    throw badInput('nonce');
  const iat = toSeconds(issuedAt);
  // 0 on the wire means "never expires": an expiry given must land after the issue time,
  // or one within the first second of 1970 would make a link that never expires.
  const exp = input.expiresAt === undefined ? 0 : toSeconds(input.expiresAt);
  if (input.expiresAt !== undefined && exp <= iat) throw badInput('expiresAt');
  // One template, few pieces: every piece is one more string to join before the MAC.
  return `${keyId}.${start}${input.subjectId}~${part}~${timesPart(iat, exp)}${nonce}`;
}

function mac(key: KeyObject, signed: string): string {
  return createHmac('sha256', key).update(signed, 'utf8').digest('base64url');
}

/**
 * The one signer behind every link the SDK mails (REQ-12, REQ-18): HMAC-SHA256
 * with a key ring, a type claim, expiry and a nonce. Never throws anything but
 * a GdprMailError.
 */
export function createTokenSigner(ring: KeyRing, now: () => Date): TokenSigner {
  if (!KEY_ID.test(ring.current.id)) throw badInput('key id');

  function checked(input: SignTokenInput): SignTokenInput {
    if (typeof input !== 'object' || input === null) throw badInput('input');
    return input;
  }

  function sign(input: SignTokenInput, nonce: string, issuedAt: Date): string {
    const { id, key } = ring.current;
    const signed = encode(id, input, issuedAt, nonce, input.nonce === undefined);
    const token = `${signed}.${mac(key, signed)}`;
    if (token.length > MAX_TOKEN_LENGTH) throw badInput('size (too much for one link)');
    return token;
  }

  return {
    // The nonce lives only inside the token here, so it may be a slice of the pooled text;
    // `issue` returns it in the claims (and callers store it), so it gets one of its own.
    sign: (input) => sign(checked(input), input.nonce ?? tokenNonce(), input.issuedAt ?? now()),
    issue(input) {
      checked(input);
      const nonce = input.nonce ?? randomNonce();
      const issuedAt = input.issuedAt ?? now();
      const token = sign(input, nonce, issuedAt);
      const claims: TokenClaims = {
        type: input.type,
        subjectId: input.subjectId,
        purposes: [...input.purposes],
        issuedAt: new Date(toSeconds(issuedAt) * 1000),
        nonce,
      };
      if (input.noticeVersions) claims.noticeVersions = { ...input.noticeVersions };
      if (input.expiresAt !== undefined) {
        claims.expiresAt = new Date(toSeconds(input.expiresAt) * 1000);
      }
      return { token, claims };
    },
    verify(token, expectedType) {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw invalid('shape');
      const firstDot = token.indexOf('.');
      const macStart = token.length - MAC_LENGTH;
      // kid, a non-empty body, then `.` and exactly MAC_LENGTH characters.
      if (firstDot < 1 || macStart - 1 <= firstDot + 1 || token.charCodeAt(macStart - 1) !== 46) {
        throw invalid('shape');
      }
      // The signing key first, compared in place: most links carry it.
      const current = ring.current;
      const key =
        firstDot === current.id.length && token.startsWith(current.id)
          ? current.key
          : ring.find(token.slice(0, firstDot));
      if (!key) throw invalid('key');
      const signed = token.slice(0, macStart - 1);
      if (!equalText(mac(key, signed), token, macStart)) throw invalid('mac');
      const claims = decodeBodyAt(signed, firstDot + 1, TYPE_BY_CODE);
      if (claims.type !== expectedType) {
        throw new GdprMailError('TOKEN_WRONG_TYPE', 'This link is not meant for this action.', {
          details: { expected: expectedType },
        });
      }
      if (claims.expiresAt !== undefined && claims.expiresAt.getTime() <= now().getTime()) {
        throw new GdprMailError('TOKEN_EXPIRED', 'This link has expired.', {
          details: { expiredAt: claims.expiresAt.toISOString() },
        });
      }
      return claims;
    },
  };
}
