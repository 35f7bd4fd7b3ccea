import type { IncomingMessage } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';

/** Why a body could not be read: answered as a 413 or a 400 problem. */
export class BodyReadError extends Error {
  override readonly name = 'BodyReadError';
  constructor(
    readonly code: 'PAYLOAD_TOO_LARGE' | 'VALIDATION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/** What a body parser that ran before the route (Nest's own) leaves on the request. */
export interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  /** Set by body-parser once it has read the stream. */
  _body?: boolean;
  /** Set by Nest when the app was created with `{ rawBody: true }`. */
  rawBody?: Buffer;
}

function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  if (value === undefined) return undefined;
  const length = Number(value);
  return Number.isFinite(length) ? length : undefined;
}

/** Refuses a body whose declared length is over the limit (a parser that ran earlier read it). */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) {
    throw new BodyReadError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  }
}

/** Has a parser that ran earlier consumed the stream? */
export function isConsumed(req: ParsedRequest): boolean {
  return req._body === true || req.readableEnded;
}

/** The body as text, refusing more than `limit` bytes (declared or actually sent). */
export async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) {
    throw new BodyReadError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) {
      throw new BodyReadError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The parsed body of a form or JSON POST. When the app's body parser (Nest's
 * default one) already read it, its result is used and the limit is checked on
 * the declared length; otherwise the stream is read here, within the limit.
 */
export async function readBody(req: ParsedRequest, limit: number): Promise<unknown> {
  if (isConsumed(req)) {
    checkDeclaredLength(req, limit);
    return req.body;
  }
  const text = await readText(req, limit);
  if (text.length === 0) return undefined;
  const type = mediaType(req);
  if (type === 'application/x-www-form-urlencoded') {
    // Like body-parser's `extended: false`: a repeated key becomes an array.
    return { ...parseQueryString(text, '&', '=', { maxKeys: 200 }) };
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BodyReadError('VALIDATION_FAILED', 'The request body could not be read.');
    }
  }
  return undefined;
}
