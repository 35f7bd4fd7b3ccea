// The package root loads undici 8, which crashes on Node 20: import the verifier alone.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** The DNS record a receiver would look up for the signing key, and where it lives. */
export interface DkimKeyRecord {
  domainName: string;
  keySelector: string;
  /** The TXT value, `v=DKIM1; k=rsa; p=<base64 SPKI>`. */
  record: string;
}

export interface MailCheck {
  name: string;
  /** `note`: fine in development, required in production (an http link on localhost). */
  status: 'pass' | 'fail' | 'note';
  detail: string;
}

/** A header's value, unfolded (RFC 5322 §2.2.3), from a raw message; the first one wins. */
export function rawHeader(raw: Buffer | string, name: string): string | undefined {
  const text = raw.toString();
  const end = text.search(/\r?\n\r?\n/);
  const head = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '');
  const prefix = `${name.toLowerCase()}:`;
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** The header names a DKIM signature covers (its `h=` tag), lower case. */
export function dkimSignedHeaders(signature: string): string[] {
  return /\bh=([^;]+)/.exec(signature)?.[1]?.replace(/\s+/g, '').toLowerCase().split(':') ?? [];
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What a mailbox provider checks before it offers one-click unsubscribe
 * (RFC 8058 §3-4): an HTTPS List-Unsubscribe URI, the exact
 * List-Unsubscribe-Post value, and a DKIM signature that verifies and covers
 * both headers. The SMTP tests assert these same checks on what the server
 * received (packages/smtp/test/mailer-over-smtp.test.ts); the dev inbox shows them.
 */
export async function checkOneClickMail(
  raw: Buffer,
  key: DkimKeyRecord,
  options: { listMail?: boolean } = {},
): Promise<MailCheck[]> {
  const unsubscribe = rawHeader(raw, 'List-Unsubscribe');
  // A mail the person asked for (a confirmation link) carries no unsubscribe
  // headers by design: only its signature is checked.
  const checks: MailCheck[] =
    options.listMail === false && unsubscribe === undefined
      ? [
          {
            name: 'No List-Unsubscribe: a mail the person asked for, not a list mail',
            status: 'note',
            detail: 'RFC 8058 applies to list mail (newsletters, offers), not to this one',
          },
        ]
      : oneClickChecks(raw, unsubscribe);
  return [...checks, await dkimCheck(raw, key)];
}

/** RFC 8058 §3: the two headers, and a DKIM signature that covers both. */
function oneClickChecks(raw: Buffer, unsubscribe: string | undefined): MailCheck[] {
  const checks: MailCheck[] = [];
  const uri = unsubscribe ? /^<([^>]+)>$/.exec(unsubscribe)?.[1] : undefined;
  let url: URL | undefined;
  try {
    url = uri ? new URL(uri) : undefined;
  } catch {
    url = undefined;
  }
  checks.push(
    !url
      ? {
          name: 'List-Unsubscribe is one URI in angle brackets',
          status: 'fail',
          detail: unsubscribe ? `found "${unsubscribe}"` : 'the header is missing',
        }
      : url.protocol === 'https:'
        ? {
            name: 'List-Unsubscribe is one HTTPS URI',
            status: 'pass',
            detail: `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1)}…`,
          }
        : {
            name: 'List-Unsubscribe is one HTTPS URI',
            status: url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname) ? 'note' : 'fail',
            detail: `${url.protocol} on ${url.hostname}: RFC 8058 requires https, so set links.baseUrl to an https address in production`,
          },
  );
  const post = rawHeader(raw, 'List-Unsubscribe-Post');
  checks.push({
    name: 'List-Unsubscribe-Post is List-Unsubscribe=One-Click',
    status: post === 'List-Unsubscribe=One-Click' ? 'pass' : 'fail',
    detail: post === undefined ? 'the header is missing' : `found "${post}"`,
  });
  const signature = rawHeader(raw, 'DKIM-Signature') ?? '';
  const signed = dkimSignedHeaders(signature);
  const covered = ['list-unsubscribe', 'list-unsubscribe-post'].every((h) => signed.includes(h));
  checks.push({
    name: 'DKIM signs List-Unsubscribe and List-Unsubscribe-Post',
    status: covered ? 'pass' : 'fail',
    detail: signature ? `h=${signed.join(':')}` : 'no DKIM-Signature header',
  });
  return checks;
}

/** The signature verifies against the key as DNS would publish it. */
async function dkimCheck(raw: Buffer, key: DkimKeyRecord): Promise<MailCheck> {
  const keyName = `${key.keySelector}._domainkey.${key.domainName}`.toLowerCase();
  const verification = await dkimVerify(raw, {
    // The key as DNS would publish it; any other name is not found.
    resolver: async (name: string) => {
      if (name.toLowerCase() !== keyName) {
        throw Object.assign(new Error(`${name}: no such record`), { code: 'ENOTFOUND' });
      }
      return [[key.record]];
    },
  });
  const result = verification.results[0]?.status;
  return {
    name: 'The DKIM signature verifies',
    status: result?.result === 'pass' ? 'pass' : 'fail',
    detail: result
      ? `${result.result}${result.comment ? ` (${result.comment})` : ''}, key ${keyName}`
      : 'no signature to verify',
  };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`) decoded, for showing a header to a person. */
export function decodeHeaderWords(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([QqBb])\?([^?]*)\?=(?:\s+(?==\?))?/g,
    (_match, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              'latin1',
            );
      try {
        return new TextDecoder(charset).decode(bytes);
      } catch {
        return text;
      }
    },
  );
}
