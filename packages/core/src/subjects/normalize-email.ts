import { GdprMailError } from '../errors/gdpr-mail-error.js';

// Deliberately conservative: one @, no whitespace or control characters,
// a dotted domain. Header injection (CR/LF) is rejected here too.
const CONTROL_CHARACTER = /\p{Cc}/u;
const EMAIL_PATTERN =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** Lower-cased, NFC-normalised, trimmed address; throws INVALID_EMAIL otherwise. */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string') {
    throw new GdprMailError('INVALID_EMAIL', 'An email address must be a string.');
  }
  const email = input.normalize('NFC').trim().toLowerCase();
  if (email.length > 254 || CONTROL_CHARACTER.test(email) || !EMAIL_PATTERN.test(email)) {
    throw new GdprMailError('INVALID_EMAIL', 'This is not a valid email address.', {
      details: { length: input.length },
    });
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
