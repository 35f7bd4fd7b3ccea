import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createKeyRing } from './key-ring.js';
import { createTokenSigner } from './token-signer.js';
import type { TokenType } from './token-types.js';
import { TOKEN_TYPES } from './token-types.js';

const K1 = { id: 'k1', secret: 'first-key-0123456789abcdefghijklmnopq' };
const K2 = { id: 'k2', secret: 'second-key-0123456789abcdefghijklmnop' };
const T0 = new Date('2026-03-01T10:00:00.000Z');

function signerAt(keys = [K1], at = T0) {
  let now = at;
  const signer = createTokenSigner(createKeyRing(keys), () => now);
  return { signer, setNow: (d: Date) => (now = d) };
}

const input = {
  type: 'confirm' as const,
  subjectId: '0b7a9a6e-6f0e-4b8e-9a3b-2f6d1c9e8a11',
  purposes: ['newsletter', 'partners'],
  noticeVersions: { newsletter: '1.0', partners: '2.1.3' },
  expiresAt: new Date('2026-03-08T10:00:00.000Z'),
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isGdprMailError(error)) return error.code;
    return `untyped:${String(error)}`;
  }
  return 'accepted';
}

describe('token signer (REQ-12 token part, REQ-18)', () => {
  it('REQ-18: round-trips every claim and never carries the address', () => {
    const { signer } = signerAt();
    const { token, claims } = signer.issue(input);
    expect(signer.verify(token, 'confirm')).toEqual(claims);
    expect(claims).toMatchObject({
      type: 'confirm',
      subjectId: input.subjectId,
      purposes: input.purposes,
      noticeVersions: input.noticeVersions,
      issuedAt: T0,
      expiresAt: input.expiresAt,
    });
    expect(claims.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(token).toMatch(/^[A-Za-z0-9._~-]+$/);
    expect(token).not.toContain('@');
  });

  it('REQ-12: an "all" unsubscribe token without expiry round-trips', () => {
    const { signer } = signerAt();
    const token = signer.sign({ type: 'unsubscribe', subjectId: 's-1', purposes: ['*'] });
    const claims = signer.verify(token, 'unsubscribe');
    expect(claims.purposes).toEqual(['*']);
    expect(claims.expiresAt).toBeUndefined();
  });

  it('REQ-18: every single-character change is refused as TOKEN_INVALID', () => {
    const { signer } = signerAt();
    const token = signer.sign(input);
    const alphabet = 'Aa0_-.~z';
    let checked = 0;
    for (let i = 0; i < token.length; i += 1) {
      for (const char of alphabet) {
        if (token[i] === char) continue;
        const forged = token.slice(0, i) + char + token.slice(i + 1);
        expect(codeOf(() => signer.verify(forged, 'confirm'))).toBe('TOKEN_INVALID');
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('REQ-18: expired tokens fail with TOKEN_EXPIRED, at and after the expiry', () => {
    const { signer, setNow } = signerAt();
    const token = signer.sign(input);
    setNow(new Date(input.expiresAt.getTime() - 1000));
    expect(codeOf(() => signer.verify(token, 'confirm'))).toBe('accepted');
    setNow(input.expiresAt);
    expect(codeOf(() => signer.verify(token, 'confirm'))).toBe('TOKEN_EXPIRED');
    setNow(new Date('2030-01-01T00:00:00Z'));
    expect(codeOf(() => signer.verify(token, 'confirm'))).toBe('TOKEN_EXPIRED');
  });

  it('REQ-18: a token of one type never verifies as another', () => {
    const { signer } = signerAt();
    for (const signed of TOKEN_TYPES) {
      const token = signer.sign({ ...input, type: signed });
      for (const expected of TOKEN_TYPES) {
        const code = codeOf(() => signer.verify(token, expected as TokenType));
        expect(code).toBe(signed === expected ? 'accepted' : 'TOKEN_WRONG_TYPE');
      }
    }
  });

  it('REQ-18: rotation: a retired-but-listed key verifies, a removed key fails', () => {
    const old = signerAt([K1]).signer.sign(input);
    const rotated = signerAt([K1, K2]).signer;
    expect(codeOf(() => rotated.verify(old, 'confirm'))).toBe('accepted');
    const fresh = rotated.sign(input);
    expect(fresh.startsWith('k2.')).toBe(true);
    const afterRemoval = signerAt([K2]).signer;
    expect(codeOf(() => afterRemoval.verify(old, 'confirm'))).toBe('TOKEN_INVALID');
    expect(codeOf(() => afterRemoval.verify(fresh, 'confirm'))).toBe('accepted');
    // Same id, different secret: a key cannot be swapped under a live id.
    const swapped = signerAt([{ id: 'k1', secret: K2.secret }]).signer;
    expect(codeOf(() => swapped.verify(old, 'confirm'))).toBe('TOKEN_INVALID');
  });

  it('REQ-18: the key id is covered by the MAC', () => {
    const both = signerAt([K1, { id: 'k3', secret: K1.secret }]).signer;
    const token = both.sign(input); // signed with k3
    const relabelled = `k1${token.slice(2)}`;
    expect(codeOf(() => both.verify(relabelled, 'confirm'))).toBe('TOKEN_INVALID');
  });

  it('refuses garbage with TOKEN_INVALID and never throws anything untyped', () => {
    const { signer } = signerAt();
    const token = signer.sign(input);
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      {},
      [],
      '',
      '.',
      '..',
      'k1..',
      `${token}.`,
      `.${token}`,
      token.replace('.', '..'),
      `${token} `,
      token.toUpperCase(),
      `${token.slice(0, -1)}\u0100`,
      `${token.slice(0, -43)}${'A'.repeat(43)}`,
      'x'.repeat(5000),
      token.normalize('NFD'),
      `k1.${'~'.repeat(7)}.${'A'.repeat(43)}`,
    ];
    for (const value of garbage) {
      expect(codeOf(() => signer.verify(value, 'confirm'))).toMatch(/^TOKEN_INVALID$|^accepted$/);
    }
    expect(
      garbage.filter((value) => codeOf(() => signer.verify(value, 'confirm')) === 'accepted'),
    ).toEqual([token.normalize('NFD')]); // NFD of ASCII is the token itself
  });

  it('refuses to sign what it could not verify', () => {
    const { signer } = signerAt();
    expect(codeOf(() => signer.sign({ ...input, subjectId: 'a@b.c' }))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signer.sign({ ...input, purposes: [] }))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signer.sign({ ...input, purposes: ['Bad Id'] }))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signer.sign({ ...input, expiresAt: new Date('2020-01-01') }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => signer.sign({ ...input, noticeVersions: { newsletter: '1_0' } }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('REQ-18: an expiry at the epoch is refused, never turned into a link that never expires', () => {
    // 0 on the wire means "no expiry": an expiresAt within the first second of 1970 was
    // encoded as 0 and verified for ever.
    const { signer } = signerAt([K1], new Date(0));
    for (const expiresAt of [new Date(0), new Date(999)]) {
      expect(codeOf(() => signer.sign({ ...input, expiresAt }))).toBe('VALIDATION_FAILED');
      expect(codeOf(() => signer.issue({ ...input, expiresAt }))).toBe('VALIDATION_FAILED');
    }
    const { signer: later } = signerAt();
    expect(
      codeOf(() => later.sign({ ...input, issuedAt: new Date(0), expiresAt: new Date(0) })),
    ).toBe('VALIDATION_FAILED');
  });

  it('throws only GdprMailErrors, whatever it is handed', () => {
    const { signer } = signerAt();
    for (const bad of [null, undefined, 'confirm', 42]) {
      expect(codeOf(() => signer.sign(bad as never))).toBe('VALIDATION_FAILED');
      expect(codeOf(() => signer.issue(bad as never))).toBe('VALIDATION_FAILED');
    }
  });
  it('checks every sign afresh, even when the purposes and versions objects are reused', () => {
    const { signer } = signerAt();
    const purposes = ['newsletter', 'partners'];
    const noticeVersions: Record<string, string> = { newsletter: '1.0', partners: '2.1.3' };
    const reused = { ...input, purposes, noticeVersions };
    expect(signer.verify(signer.sign(reused), 'confirm').noticeVersions).toEqual(noticeVersions);
    noticeVersions.partners = '2.2';
    expect(signer.verify(signer.sign(reused), 'confirm').noticeVersions).toEqual({
      newsletter: '1.0',
      partners: '2.2',
    });
    noticeVersions.partners = '2_2';
    expect(codeOf(() => signer.sign(reused))).toBe('VALIDATION_FAILED');
    noticeVersions.partners = '2.2';
    purposes[1] = 'Bad Id';
    expect(codeOf(() => signer.sign(reused))).toBe('VALIDATION_FAILED');
    purposes[1] = 'partners';
    expect(codeOf(() => signer.sign({ ...reused, noticeVersions: undefined }))).toBe('accepted');
    expect(codeOf(() => signer.sign({ ...reused, type: 'nope' as TokenType }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => signer.sign({ ...reused, type: 'toString' as TokenType }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('hands every verify claims of its own (nothing shared between tokens)', () => {
    const { signer } = signerAt();
    const first = signer.verify(signer.sign(input), 'confirm');
    first.purposes.push('changed');
    if (first.noticeVersions) first.noticeVersions.newsletter = 'changed';
    const second = signer.verify(signer.sign(input), 'confirm');
    expect(second.purposes).toEqual(input.purposes);
    expect(second.noticeVersions).toEqual(input.noticeVersions);
  });
});
