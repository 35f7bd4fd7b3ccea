import { GdprMailError } from '../errors/gdpr-mail-error.js';

// Deliberately conservative, and the same rule at every door (subjects,
// consent, suppression, provider events, and validateMessage at send time):
//
// - no control characters (header injection: CR/LF) anywhere;
// - no invisible or direction-changing characters anywhere, ends included:
//   format characters (zero-width space and joiners, soft hyphen, BOM),
//   bidi controls (LRM/RLM, LRE…RLO, LRI…PDI), default-ignorable code points
//   (Hangul fillers, variation selectors, tag characters), private-use,
//   unassigned code points and lone surrogates (\p{Cs}). `a\u200b@example.org` would
//   otherwise be a second subject that suppressing `a@example.org` misses;
// - a dot-atom local part (RFC 5322 §3.4.1): atoms joined by single dots,
//   none leading or trailing, so nothing needs quoting (`.a@`, `a.@`, `a..b@`
//   are refused rather than mailed as a quoted string); non-ASCII letters are
//   allowed (RFC 6531);
// - a dotted LDH domain (IDNs in their punycode form).
const CONTROL_CHARACTER = /\p{Cc}/u;
const INVISIBLE_CHARACTER =
  /[\p{Cf}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Co}\p{Cn}\p{Cs}]/u;
const ATOM = '[^\\s@<>()[\\]\\\\,;:".]+';
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EMAIL_PATTERN = new RegExp(
  `^(?=[^@]{1,64}@)${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`,
  'u',
);
// The common case in one match: printable ASCII, at most spaces around it (what
// trim would drop), an ASCII dot-atom local part and LDH labels in any case. Such
// an input holds no control, invisible or bidi character and is its own NFC form,
// so it skips those checks; anything else takes the general path below. Same
// rule, same result (a property test compares both paths).
const ASCII_ATOM = "[!#-'*+\\-/-9=?A-Z^-~]+";
const ASCII_EMAIL_PATTERN = new RegExp(
  `^ *(?=[^@]{1,64}@)${ASCII_ATOM}(?:\\.${ASCII_ATOM})*@${LABEL}(?:\\.${LABEL})+ *$`,
  'i',
);

function invalid(input: string): GdprMailError {
  return new GdprMailError('INVALID_EMAIL', 'This is not a valid email address.', {
    details: { length: input.length },
  });
}

/**
 * Lower-cased, NFC-normalised, trimmed address; throws INVALID_EMAIL when it
 * is not a plain dot-atom address or holds a control, invisible or bidi
 * control character (see the rule above). Idempotent on what it returns.
 */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string') {
    throw new GdprMailError('INVALID_EMAIL', 'An email address must be a string.');
  }
  if (ASCII_EMAIL_PATTERN.test(input)) {
    const email = input.trim().toLowerCase();
    if (email.length <= 254) return email;
  }
  return normalizeAnyEmail(input);
}

/** The general path of `normalizeEmail`, for any string; exported for its tests. */
export function normalizeAnyEmail(input: string): string {
  // Checked once, before trimming: trim() would quietly drop a BOM at either
  // end, and NFC and lower-casing only map to assigned, visible characters.
  if (INVISIBLE_CHARACTER.test(input)) throw invalid(input);
  const email = input.normalize('NFC').trim().toLowerCase();
  if (email.length > 254 || CONTROL_CHARACTER.test(email) || !EMAIL_PATTERN.test(email)) {
    throw invalid(input);
  }
  return email;
}

export function isValidEmail(input: unknown): boolean {
  try {
    normalizeEmail(input);
    return true;
  } catch {
    return false;
  }
}
