import { field, type HeaderFields, parseContentType, parseHeaderFields } from './header-fields.js';

/** One node of a parsed message: a leaf with its decoded text, or a container of parts. */
export interface MimePart {
  headers: HeaderFields;
  /** Lower-case media type, e.g. `message/delivery-status`. */
  type: string;
  params: Readonly<Record<string, string>>;
  /** The decoded body of a leaf (empty for multiparts and nested messages). */
  text: string;
  /** Sub-parts of a multipart, or the one message inside a `message/rfc822`. */
  parts: MimePart[];
  /** The multipart's closing boundary was missing, or a part could not be decoded. */
  damaged: boolean;
}

const MAX_DEPTH = 8;
const MAX_PARTS = 200;

/** Message types whose body is itself a message. */
const NESTED_MESSAGE = new Set(['message/rfc822', 'message/global']);

/**
 * A small, lenient MIME reader for reports: enough structure to find the
 * machine-readable parts, bounded in depth and part count so a hostile mail
 * cannot make the reader spin. It does not throw on bad structure; it marks it.
 */
export function parseMime(source: string): MimePart {
  const budget = { parts: 0 };
  return parseEntity(source, 0, budget);
}

function splitHead(source: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(source);
  if (!match) return { head: source, body: '' };
  return { head: source.slice(0, match.index), body: source.slice(match.index + match[0].length) };
}

function decodeBody(body: string, encoding: string | undefined): { text: string; ok: boolean } {
  const cte = (encoding ?? '').trim().toLowerCase();
  if (cte === 'base64') {
    const compact = body.replace(/[\r\n\t ]/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return { text: '', ok: false };
    return { text: Buffer.from(compact, 'base64').toString('utf8'), ok: true };
  }
  if (cte === 'quoted-printable') {
    const bytes = Buffer.from(
      body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        ),
      'latin1',
    );
    return { text: bytes.toString('utf8'), ok: true };
  }
  return { text: body, ok: true };
}

function parseEntity(source: string, depth: number, budget: { parts: number }): MimePart {
  budget.parts += 1;
  const { head, body } = splitHead(source);
  const headers = parseHeaderFields(head);
  const { type, params } = parseContentType(field(headers, 'content-type'));
  const part: MimePart = { headers, type, params, text: '', parts: [], damaged: false };
  if (depth >= MAX_DEPTH || budget.parts > MAX_PARTS) {
    part.damaged = true;
    return part;
  }
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (!boundary) {
      part.damaged = true;
      return part;
    }
    const { chunks, closed } = splitMultipart(body, boundary);
    part.damaged = !closed;
    for (const chunk of chunks) {
      if (budget.parts > MAX_PARTS) {
        part.damaged = true;
        break;
      }
      const child = parseEntity(chunk, depth + 1, budget);
      part.damaged ||= child.damaged;
      part.parts.push(child);
    }
    return part;
  }
  const decoded = decodeBody(body, field(headers, 'content-transfer-encoding'));
  part.damaged = !decoded.ok;
  if (NESTED_MESSAGE.has(type)) {
    part.parts.push(parseEntity(decoded.text, depth + 1, budget));
    return part;
  }
  part.text = decoded.text;
  return part;
}

function splitMultipart(body: string, boundary: string): { chunks: string[]; closed: boolean } {
  const lines = body.split(/\r?\n/);
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const chunks: string[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === close) {
      if (current) chunks.push(current.join('\n'));
      current = undefined;
      closed = true;
      break;
    }
    if (trimmed === open) {
      if (current) chunks.push(current.join('\n'));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) chunks.push(current.join('\n'));
  return { chunks, closed };
}

/** Every part of the tree, depth first, the root included. */
export function* walkParts(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.parts) yield* walkParts(child);
}
