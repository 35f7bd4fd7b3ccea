import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { validateMessage } from '../transport/validate-message.js';
import { isValidEmail, normalizeAnyEmail, normalizeEmail } from './normalize-email.js';

/** Invisible, format and bidi control characters an address must never hold. */
const INVISIBLES = [
  '\u00ad', // soft hyphen
  '\u034f', // combining grapheme joiner
  '\u061c', // Arabic letter mark
  '\u115f', // Hangul choseong filler
  '\u180e', // Mongolian vowel separator
  '\u200b', // zero-width space
  '\u200c', // zero-width non-joiner
  '\u200d', // zero-width joiner
  '\u200e', // left-to-right mark
  '\u200f', // right-to-left mark
  '\u202a', // LRE
  '\u202b', // RLE
  '\u202c', // PDF
  '\u202d', // LRO
  '\u202e', // RLO
  '\u2060', // word joiner
  '\u2066', // LRI
  '\u2067', // RLI
  '\u2068', // FSI
  '\u2069', // PDI
  '\u3164', // Hangul filler
  '\ufe0f', // variation selector 16
  '\ufeff', // BOM / zero-width no-break space
  '\uffa0', // halfwidth Hangul filler
  '\u{e0041}', // tag latin capital A
  '\ue000', // private use
  '\ud800', // lone surrogate
];

/** Characters an address may hold… */
const good = fc.constantFrom(
  'a',
  'B',
  'z',
  '0',
  '.',
  '-',
  '_',
  '+',
  "'",
  'é',
  'e\u0301', // decomposed é: NFC makes it one code point
  'İ', // lower-cases to i + combining dot
  'ß',
  'Ω',
  '\u212b', // Angstrom sign: NFC makes it Å
  '😀',
);
/** …and characters it may not (or only at the ends, for plain spaces). */
const bad = fc.constantFrom(' ', '"', '@', '\\', '(', ',', '\t', '\r\n', ...INVISIBLES);
// Mostly good characters, so that both outcomes come up often.
const unit = fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
const localPart = fc.string({ unit, minLength: 0, maxLength: 12 });
const domain = fc.constantFrom('example.org', 'Example.COM', 'mail.example.co.uk', 'b', 'a-.org');
const addressLike = fc.tuple(localPart, domain).map(([local, host]) => `${local}@${host}`);
const anyInput = fc.oneof(
  { arbitrary: addressLike, weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.anything(), weight: 1 },
);

function rejects(input: unknown): boolean {
  try {
    normalizeEmail(input);
    return false;
  } catch (error) {
    // Refused only ever with the typed code, never with a stray TypeError.
    expect(isGdprMailError(error, 'INVALID_EMAIL')).toBe(true);
    return true;
  }
}

describe('#19 finding 10: the address normaliser (properties)', () => {
  it('REQ-28: what it accepts is a plain dot-atom address with no invisible, bidi or control character, and normalising it again changes nothing', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        if (rejects(input)) return;
        const email = normalizeEmail(input);
        expect(normalizeEmail(email)).toBe(email);
        expect(email).toBe(email.normalize('NFC'));
        expect(email).toBe(email.toLowerCase());
        expect(email).not.toMatch(
          /[\p{Cc}\p{Cf}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Co}\p{Cn}\p{Cs}\s]/u,
        );
        expect(email.length).toBeLessThanOrEqual(254);
        const [local, host, ...rest] = email.split('@');
        expect(rest).toEqual([]);
        expect(local?.length).toBeGreaterThan(0);
        expect(local?.length).toBeLessThanOrEqual(64);
        // Dot-atom: no leading, trailing or doubled dot; nothing that needs quoting.
        expect(local?.split('.').every((atom) => atom !== '')).toBe(true);
        expect(local).not.toMatch(/[\s"\\(),:;<>@[\]]/u);
        expect(host).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('REQ-28: an invisible or bidi control character anywhere in a valid address makes it invalid (it can never become a second subject)', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.constantFrom(...INVISIBLES),
        fc.nat(),
        (valid, invisible, at) => {
          fc.pre(isValidEmail(valid));
          const position = at % (valid.length + 1);
          const tainted = valid.slice(0, position) + invisible + valid.slice(position);
          expect(rejects(tainted)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts every RFC 5322 dot-atom address fast-check generates, whatever its case', () => {
    fc.assert(
      fc.property(fc.emailAddress({ size: 'small' }), (email) => {
        fc.pre(email.length <= 254);
        expect(normalizeEmail(email)).toBe(email.toLowerCase());
        expect(normalizeEmail(email.toUpperCase())).toBe(email.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a dot-atom violation: a leading, trailing or doubled dot in the local part', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom('lead', 'trail', 'double'), (valid, where) => {
        const [local = '', host = ''] = valid.split('@');
        const broken =
          where === 'lead'
            ? `.${local}`
            : where === 'trail'
              ? `${local}.`
              : `${local.slice(0, 1)}..${local.slice(1)}`;
        expect(rejects(`${broken}@${host}`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('#19 finding 10: the cases of the issue, at intake and at send time', () => {
  it.each([
    '.a@example.com',
    'a.@example.com',
    'a..b@example.com',
    'a\u200b@example.org',
    '\u200ba@example.org',
    '\ufeffa@example.org',
    'a@example.org\ufeff',
    '\u202eab@example.org',
    'a\u2066@example.org',
    'a\u00ad@example.org',
    'a\u200d@example.org',
  ])('REQ-28: %j is INVALID_EMAIL for normalizeEmail and for validateMessage', (address) => {
    expect(() => normalizeEmail(address)).toThrow(
      expect.objectContaining({ code: 'INVALID_EMAIL' }),
    );
    expect(() =>
      validateMessage({
        from: 'news@shop.example',
        to: address,
        subject: 'Hello',
        text: 'Hello',
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_EMAIL' }));
  });

  it('still accepts ordinary and internationalised addresses, trimmed of plain spaces', () => {
    expect(normalizeEmail('  Camille.Dupont@Example.ORG ')).toBe('camille.dupont@example.org');
    expect(normalizeEmail("o'brien+news@example.ie")).toBe("o'brien+news@example.ie");
    expect(normalizeEmail('JOSÉ@example.es')).toBe('josé@example.es');
    expect(normalizeEmail('Jose\u0301@example.es')).toBe('josé@example.es');
    expect(normalizeEmail('用户@example.cn')).toBe('用户@example.cn');
  });
});

describe('normalizeEmail: the ASCII fast path', () => {
  const outcome = (normalize: (s: string) => string, input: string) => {
    try {
      return { ok: normalize(input) };
    } catch (error) {
      return { code: isGdprMailError(error) ? error.code : String(error) };
    }
  };
  // Address-like ASCII strings (dots, @, spaces, specials) so both outcomes are common.
  const asciiAddressish = fc
    .array(
      fc.constantFrom(...'aZ09.-_+@ @."<>(),;:[]\\~!#$%&\'*/=?^`{|}'.split(''), 'x', '.', '@'),
      {
        maxLength: 40,
      },
    )
    .map((chars) => chars.join(''));

  it('gives what the general path gives, for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          asciiAddressish,
          fc.string({ unit: 'binary-ascii' }),
          fc.string({ unit: 'grapheme' }),
          // Non-ASCII letters that case-fold to ASCII ones (long s, Kelvin sign), a BOM, an NBSP.
          fc
            .tuple(asciiAddressish, fc.constantFrom('\u017f', '\u212a', '\ufeff', '\u00a0'))
            .map(([text, odd]) => text.replace('x', odd)),
        ),
        (input) => {
          expect(outcome(normalizeEmail, input)).toEqual(outcome(normalizeAnyEmail, input));
        },
      ),
      { numRuns: 10000 },
    );
    for (const input of [
      'Ada@Example.COM',
      ' ada@example.com ',
      'a..b@example.com',
      `${'a'.repeat(65)}@x.io`,
    ]) {
      expect(outcome(normalizeEmail, input)).toEqual(outcome(normalizeAnyEmail, input));
    }
  });
});
