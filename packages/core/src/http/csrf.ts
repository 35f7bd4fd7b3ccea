import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stateless CSRF protection for the browser forms (double submit, signed): the
 * page sets a random cookie and embeds HMAC(secret, cookie) in the form. A
 * cross-site attacker can neither read the cookie nor compute the field.
 * The one-click unsubscribe POST is deliberately exempt (RFC 8058: no cookies).
 */
export interface CsrfPair {
  cookie: string;
  field: string;
}

export function createCsrfPair(secret: string): CsrfPair {
  const cookie = randomBytes(18).toString('base64url');
  return { cookie, field: csrfField(secret, cookie) };
}

export function csrfField(secret: string, cookie: string): string {
  return createHmac('sha256', secret)
    .update('gdpr-mail/csrf')
    .update('\u0000')
    .update(cookie)
    .digest('base64url');
}

export function verifyCsrf(secret: string, cookie: unknown, field: unknown): boolean {
  if (typeof cookie !== 'string' || typeof field !== 'string' || cookie.length < 16) return false;
  const expected = Buffer.from(csrfField(secret, cookie));
  const given = Buffer.from(field);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
