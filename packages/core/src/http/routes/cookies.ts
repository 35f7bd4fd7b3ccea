/** Parses a Cookie header; adapters need no cookie middleware for the one cookie we use. */
export function parseCookies(header: string | string[] | undefined): Record<string, string> {
  const raw = Array.isArray(header) ? header.join(';') : (header ?? '');
  const cookies: Record<string, string> = {};
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!name || name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      // A malformed escape is someone else's cookie: ignore it rather than fail the request.
    }
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  maxAgeSeconds: number;
}

/** HttpOnly and SameSite=Strict: the CSRF cookie is never read by scripts nor sent cross-site. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
