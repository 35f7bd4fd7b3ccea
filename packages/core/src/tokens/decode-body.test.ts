import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { decodeBody } from './decode-body.js';
import type { TokenClaims, TokenType } from './token-types.js';

const TYPE_BY_CODE = new Map<string, TokenType>([
  ['c', 'confirm'],
  ['u', 'unsubscribe'],
  ['p', 'preferences'],
  ['v', 'dsar-verify'],
]);

/**
 * The reference: the grammar as one regular expression plus splits, the
 * signer's decoder before the one-pass scanner replaced it for speed.
 */
const BODY =
  /^1~([a-z])~([A-Za-z0-9_-]{1,128})~((?:_|[a-z][a-z0-9_-]{0,63})(?:\.(?:_|[a-z][a-z0-9_-]{0,63}))*)~([A-Za-z0-9._]*)~(0|[1-9][0-9]{0,11})~(0|[1-9][0-9]{0,11})~([A-Za-z0-9_-]{16,64})$/;

function referenceDecode(body: string): TokenClaims | 'invalid' {
  const match = BODY.exec(body);
  if (!match) return 'invalid';
  const type = TYPE_BY_CODE.get(match[1]!);
  if (!type) return 'invalid';
  const purposes = match[3]!.split('.').map((p) => (p === '_' ? '*' : p));
  if (purposes.length > 64) return 'invalid';
  const issuedAt = Number(match[5]);
  const expiresAt = Number(match[6]);
  if (expiresAt !== 0 && expiresAt <= issuedAt) return 'invalid';
  const claims: TokenClaims = {
    type,
    subjectId: match[2]!,
    purposes,
    issuedAt: new Date(issuedAt * 1000),
    nonce: match[7]!,
  };
  if (match[4] !== '') {
    const versions = match[4]!.split('_');
    if (versions.length !== purposes.length) return 'invalid';
    const byPurpose: Record<string, string> = {};
    for (let i = 0; i < versions.length; i += 1) {
      if (versions[i]!.length > 32) return 'invalid';
      if (versions[i] !== '') byPurpose[purposes[i]!] = versions[i]!;
    }
    claims.noticeVersions = byPurpose;
  }
  if (expiresAt !== 0) claims.expiresAt = new Date(expiresAt * 1000);
  return claims;
}

function scanned(body: string): TokenClaims | 'invalid' {
  try {
    return decodeBody(body, TYPE_BY_CODE);
  } catch (error) {
    if (isGdprMailError(error) && error.code === 'TOKEN_INVALID') return 'invalid';
    throw error;
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ID = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-`;
const VERSION = 'ab1.0';

/** Strings of the alphabet with lengths near both ends of [min, max], where grammars break. */
function chars(alphabet: string, min: number, max: number): fc.Arbitrary<string> {
  const length = fc.oneof(
    fc.integer({ min, max: Math.min(max, min + 1) }),
    fc.integer({ min: Math.max(min, max - 1), max }),
    fc.integer({ min, max }),
  );
  const unit = fc.constantFrom(...alphabet.split(''));
  return length.chain((n) => fc.string({ unit, minLength: n, maxLength: n }));
}

/** Mostly a valid field, sometimes one just outside the grammar. */
function field(valid: fc.Arbitrary<string>, near: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: near, weight: 1 });
}

const validPurpose = fc.oneof(
  fc.constant('_'),
  fc.tuple(chars(LOWER, 1, 1), chars(`${LOWER}0123456789_-`, 0, 63)).map(([a, b]) => a + b),
);
const nearPurpose = fc.oneof(chars(`${LOWER}_`, 65, 65), chars('_-0A', 1, 2), fc.constant(''));
const purposeLists = fc.oneof(
  fc.array(validPurpose, { minLength: 1, maxLength: 3 }),
  fc.array(fc.constantFrom('a', 'b', '_'), { minLength: 63, maxLength: 65 }),
  fc.tuple(fc.array(validPurpose, { maxLength: 2 }), nearPurpose).map(([a, b]) => [...a, b]),
);
const seconds = field(
  fc.oneof(fc.constant('0'), fc.integer({ min: 1, max: 999_999_999_999 }).map(String)),
  fc.oneof(fc.constant(''), fc.constant('01'), fc.constant('1000000000000'), fc.constant('1a')),
);

/** Bodies of the grammar, a field or a count off, or a character off. */
const nearBody = fc
  .record({
    type: field(fc.constantFrom('c', 'u', 'p', 'v'), fc.constantFrom('x', 'U', '', 'uu')),
    subject: field(chars(ID, 1, 128), fc.oneof(chars(ID, 129, 129), chars('.~é', 1, 1))),
    purposes: purposeLists,
    versions: fc.integer({ min: -1, max: 1 }),
    versionItems: fc.array(field(chars(VERSION, 0, 32), chars(VERSION, 33, 33)), {
      minLength: 66,
      maxLength: 66,
    }),
    iat: seconds,
    exp: seconds,
    nonce: field(chars(ID, 16, 64), fc.oneof(chars(ID, 15, 15), chars(ID, 65, 65))),
  })
  .map((f) => {
    // -1: no versions; 0: one per purpose; 1: one too many.
    const count = f.versions < 0 ? 0 : f.purposes.length + f.versions;
    const versions = f.versionItems.slice(0, count).join('_');
    const purposes = f.purposes.join('.');
    return `1~${f.type}~${f.subject}~${purposes}~${versions}~${f.iat}~${f.exp}~${f.nonce}`;
  });
const mutated = fc
  .tuple(nearBody, fc.nat(), fc.constantFrom(...`${ID}.~_é\u0000`.split('')), fc.boolean())
  .map(([body, at, ch, insert]) => {
    const i = at % (body.length + 1);
    return body.slice(0, i) + ch + body.slice(insert ? i : i + 1);
  });

describe('the one-pass body decoder', () => {
  it('REQ-18: accepts and decodes exactly what the reference grammar does (20,000 bodies)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: nearBody, weight: 6 },
          { arbitrary: mutated, weight: 3 },
          { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
        ),
        (body) => {
          const expected = referenceDecode(body);
          expect(scanned(body)).toStrictEqual(expected);
          if (expected !== 'invalid') accepted += 1;
        },
      ),
      { numRuns: 20_000 },
    );
    // The generator must reach the accepting side too, or the check proves little.
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('decodes a typical unsubscribe body', () => {
    const body =
      '1~u~3f1c2a9e-7b4d~newsletter.partners.__~1.0_2.1_~1796349995~0~BbDa5R7jVSDAZHLHOcLtjA';
    expect(scanned('1~u~s~_~~1~0~BbDa5R7jVSDAZHLHOcLtjA')).toMatchObject({ purposes: ['*'] });
    expect(scanned(body)).toBe('invalid'); // "__" is not a purpose
    expect(scanned(body.replace('.__', '.x'))).toStrictEqual({
      type: 'unsubscribe',
      subjectId: '3f1c2a9e-7b4d',
      purposes: ['newsletter', 'partners', 'x'],
      noticeVersions: { newsletter: '1.0', partners: '2.1' },
      issuedAt: new Date(1796349995 * 1000),
      nonce: 'BbDa5R7jVSDAZHLHOcLtjA',
    });
  });
  it('REQ-18: a part read before is decoded alike, and never lent out, whatever surrounds it', () => {
    const nonce = 'BbDa5R7jVSDAZHLHOcLtjA';
    const bodies = [
      `1~u~s~a.b~1_2~1~0~${nonce}`,
      `1~u~s~a.b~1_2x~1~0~${nonce}`,
      `1~u~s~a.b~1_2~1~0~${nonce}`,
      `1~u~s~a.b~1_2_3~1~0~${nonce}`,
      `1~u~s~a.b~1_2~1~0~${nonce}`,
      `1~u~s~a.b~1_2~~1~0~${nonce}`,
      `1~u~t~a.b~1_2~5~9~${nonce}`,
      `1~c~s~a.b~1~1~0~${nonce}`,
      `1~u~s~a.b~1_2~1~0~${nonce}`,
      `1~u~s~a.bc~1_2~1~0~${nonce}`,
      `1~u~s~a.b~~1~0~${nonce}`,
      `1~u~s~a.b~1_2~1~0~${nonce}`,
    ];
    for (const body of bodies) {
      const decoded = scanned(body);
      expect(decoded).toStrictEqual(referenceDecode(body));
      if (decoded !== 'invalid') {
        decoded.purposes.push('lent');
        if (decoded.noticeVersions) decoded.noticeVersions.a = 'lent';
      }
    }
    expect(scanned(bodies[0]!)).toStrictEqual(referenceDecode(bodies[0]!));
  });
});
