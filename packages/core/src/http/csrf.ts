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

/**
 * Fetch-metadata / Origin check for forms that carry no CSRF field (the
 * preference centre, reached by its token link). A browser names where a POST
 * came from: `Sec-Fetch-Site` other than `same-origin` or `none` (a typed URL
 * or bookmark), or (only when that header is absent) an `Origin` other than the
 * site's own, `null` included, is a cross-site submission and is refused. A request with
 * neither header (a non-browser client or an old browser) passes: it still needs the token.
 */
export function isCrossSiteRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  ownOrigin: string,
): boolean {
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // Sec-Fetch-Site decides when sent: our pages' `Referrer-Policy: no-referrer` makes
  // browsers send `Origin: null` even on same-origin form posts, and every current browser
  // sends Sec-Fetch-Site with them.
  const site = one('sec-fetch-site')?.toLowerCase();
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  // Without it, `null` is what a sandboxed iframe or a data: page on another site sends too,
  // so it cannot be told from a cross-site post: refused, like any foreign origin.
  const origin = one('origin');
  return origin !== undefined && origin !== ownOrigin;
}
