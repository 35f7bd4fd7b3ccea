import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createKeyRing } from './key-ring.js';
import { createTokenSigner } from './token-signer.js';
import type { TokenType } from './token-types.js';
import { TOKEN_TYPES } from './token-types.js';

// REQ-18 acceptance: >= 100,000 mutated or forged tokens, 0 accepted.
const RUNS = { mutated: 45_000, forged: 30_000, random: 20_000, swapped: 15_000 };

const now = new Date('2026-03-01T10:00:00.000Z');
const signer = createTokenSigner(
  createKeyRing([
    { id: 'old', secret: 'old-key-0123456789abcdefghijklmnopqrstu' },
    { id: 'k1', secret: 'fuzz-key-0123456789abcdefghijklmnopqrst' },
  ]),
  () => now,
);
const attacker = createTokenSigner(
  createKeyRing([{ id: 'k1', secret: 'attacker-guess-0123456789abcdefghijkl' }]),
  () => now,
);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'.split('');

const claimsArb = fc.record({
  type: fc.constantFrom(...TOKEN_TYPES),
  subjectId: fc.uuid(),
  purposes: fc.constantFrom(['newsletter'], ['newsletter', 'partners'], ['*']),
  expiresAt: fc.constant(new Date('2026-04-01T00:00:00.000Z')),
});

let attempts = 0;
let accepted = 0;

/** True when refused with a typed token error; anything else fails the property. */
function refused(token: unknown, type: TokenType): boolean {
  attempts += 1;
  try {
    signer.verify(token, type);
    accepted += 1;
    return false;
  } catch (error) {
    return isGdprMailError(error) && error.code.startsWith('TOKEN_');
  }
}

const charArb = fc.constantFrom(...ALPHABET);

describe('token fuzz (REQ-18)', () => {
  it('REQ-18: mutated tokens (replace, insert, delete, truncate) are never accepted', () => {
    fc.assert(
      fc.property(
        claimsArb,
        fc.array(
          fc.record({
            op: fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
            at: fc.nat(),
            char: charArb,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (claims, edits) => {
          const original = signer.sign(claims);
          let token = original;
          for (const { op, at, char } of edits) {
            const i = at % (token.length + 1);
            if (op === 'replace') token = token.slice(0, i) + char + token.slice(i + 1);
            if (op === 'insert') token = token.slice(0, i) + char + token.slice(i);
            if (op === 'delete') token = token.slice(0, i) + token.slice(i + 1);
            if (op === 'truncate') token = token.slice(0, i);
          }
          return token === original || refused(token, claims.type);
        },
      ),
      { numRuns: RUNS.mutated },
    );
  });

  it('REQ-18: tokens forged with a guessed key, or with any MAC, are never accepted', () => {
    fc.assert(
      fc.property(claimsArb, fc.array(charArb, { minLength: 43, maxLength: 43 }), (claims, mac) => {
        const forged = attacker.sign(claims);
        const reMac = `${forged.slice(0, -43)}${mac.join('').replace(/[.~]/g, 'A')}`;
        return refused(forged, claims.type) && refused(reMac, claims.type);
      }),
      { numRuns: RUNS.forged / 2 },
    );
  });

  it('REQ-18: random strings and random bodies under a real key id are never accepted', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.array(charArb, { minLength: 1, maxLength: 200 }),
        fc.constantFrom(...TOKEN_TYPES),
        (anything, body, type) =>
          refused(anything, type) && refused(`k1.${body.join('')}.${'A'.repeat(43)}`, type),
      ),
      { numRuns: RUNS.random / 2 },
    );
  });

  it('REQ-18: a valid token presented as another type is never accepted', () => {
    fc.assert(
      fc.property(claimsArb, fc.constantFrom(...TOKEN_TYPES), (claims, asType) => {
        const token = signer.sign(claims);
        return asType === claims.type || refused(token, asType);
      }),
      { numRuns: RUNS.swapped },
    );
  });

  it('REQ-18: counted >= 100,000 hostile tokens, 0 accepted', () => {
    expect(accepted).toBe(0);
    expect(attempts).toBeGreaterThanOrEqual(100_000);
    console.info(`token fuzz: ${attempts} hostile tokens, ${accepted} accepted`);
  });
});
