import { GdprMailError } from '../../errors/gdpr-mail-error.js';

/** Thrown when a body is over its limit; the handler answers 413. */
export class BodyTooLargeError extends Error {}

/** `16kb`, `1mb`, or a number of bytes, as Express's body parsers take them (1 kb = 1024 bytes). */
export function byteLimit(limit: number | string): number {
  if (typeof limit === 'number') return limit;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!match) throw new GdprMailError('CONFIG_INVALID', `"${limit}" is not a size like 16kb.`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[
    (match[2] ?? 'b').toLowerCase() as 'b'
  ];
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Reads a request body up to `limit` bytes. A declared length over the limit
 * is refused before any byte is read; a stream that grows past it is cancelled.
 */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new BodyTooLargeError();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const PARAMETER_LIMIT = 200;

function unreadable(): GdprMailError {
  return new GdprMailError('VALIDATION_FAILED', 'The request body could not be read.');
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A form body as the routes take it: urlencoded (a repeated key becomes an
 * array, as browsers send several ticked boxes) or a JSON object. Any other
 * type is not read and gives `undefined`, as Express's parsers do.
 */
export async function readForm(request: Request, limit: number): Promise<unknown> {
  const type = mediaType(request);
  if (type === 'application/x-www-form-urlencoded') {
    const text = new TextDecoder().decode(await readBytes(request, limit));
    const form: Record<string, string | string[]> = Object.create(null);
    let count = 0;
    for (const [name, value] of new URLSearchParams(text)) {
      // Too many fields is the body parsers' 413 too: it bounds the work a request can cause.
      if (++count > PARAMETER_LIMIT) throw new BodyTooLargeError();
      const seen = form[name];
      form[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    return form;
  }
  if (type === 'application/json') {
    const text = new TextDecoder().decode(await readBytes(request, limit)).trim();
    if (text === '') return {};
    // Only objects and arrays, as Express's strict JSON parser accepts.
    if (text[0] !== '{' && text[0] !== '[') throw unreadable();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw unreadable();
    }
  }
  return undefined;
}
