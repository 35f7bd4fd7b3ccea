// A local stand-in for Brevo's API v3, on node:http: it checks what Brevo
// would refuse (the api-key header, the JSON shape of POST /v3/smtp/email, at
// most 1000 message versions, headers as strings) and answers in Brevo's
// shapes: 201 with messageId / messageIds, errors as { code, message }, and a
// call with one bad version refused whole (400, nothing sent). It keeps a
// Message-Id given in headers as the message id (what `lookup` relies on).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedMessage } from '@gdpr-mail/core/testing';

export const PEER_KEY = 'xkeysib-peer-api-key';

/** One call to `POST /v3/smtp/email` as the peer saw it. */
export interface SendCall {
  versions: number;
  tags: string[] | undefined;
  status: number;
}

export type SendFault =
  | { kind: 'answer'; status: number; body?: string; headers?: Record<string, string> }
  /** Reads the whole request, then destroys the socket without answering. */
  | { kind: 'reset' };

export interface BrevoPeer {
  baseUrl: string;
  received(): Promise<readonly ReceivedMessage[]>;
  readonly messages: ReceivedMessage[];
  readonly sendCalls: SendCall[];
  /** Every request line, e.g. `DELETE /v3/contacts/…`. */
  readonly requests: string[];
  /** Recipients Brevo refuses as invalid: a call holding one is refused whole. */
  readonly rejected: Set<string>;
  /** Contacts, as Brevo keeps them for transactional recipients. */
  readonly contacts: Set<string>;
  failNextSend(fault: SendFault): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const TOP_KEYS = new Set([
  'sender',
  'to',
  'replyTo',
  'subject',
  'textContent',
  'htmlContent',
  'headers',
  'tags',
  'messageVersions',
]);
const VERSION_KEYS = new Set(['to', 'replyTo', 'subject', 'textContent', 'htmlContent']);
// Standard headers Brevo sets itself.
const RESERVED = new Set(['from', 'to', 'subject', 'cc', 'bcc', 'sender', 'return-path', 'date']);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAddress(value: unknown): value is { email: string; name?: string } {
  return (
    isRecord(value) &&
    typeof value.email === 'string' &&
    (value.name === undefined || typeof value.name === 'string') &&
    Object.keys(value).every((k) => k === 'email' || k === 'name')
  );
}

const VALID = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  reply(res, status, { code, message });
}

/** Why Brevo would refuse the call, or `undefined`. */
function violation(body: Json, rejected: Set<string>): string | undefined {
  const unknown = Object.keys(body).filter((k) => !TOP_KEYS.has(k));
  if (unknown.length > 0) return `unknown parameters ${unknown.join(',')}`;
  if (!isAddress(body.sender)) return 'sender is invalid';
  if (typeof body.subject !== 'string') return 'subject is missing';
  if (body.replyTo !== undefined && !isAddress(body.replyTo)) return 'replyTo is invalid';
  for (const part of ['textContent', 'htmlContent'] as const) {
    if (body[part] !== undefined && typeof body[part] !== 'string') return `${part} is invalid`;
  }
  if (body.headers !== undefined) {
    if (!isRecord(body.headers)) return 'headers is invalid';
    for (const [name, value] of Object.entries(body.headers)) {
      if (typeof value !== 'string' || RESERVED.has(name.toLowerCase())) {
        return `header ${name} is not allowed`;
      }
    }
  }
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === 'string'))
      return 'tags is invalid';
  }
  const versions = body.messageVersions;
  if (versions === undefined) {
    if (!Array.isArray(body.to) || body.to.length === 0 || !body.to.every(isAddress))
      return 'to is missing';
  } else if (!Array.isArray(versions) || versions.length === 0 || versions.length > 1000) {
    return 'messageVersions must hold between 1 and 1000 versions';
  }
  const all = (versions as unknown[] | undefined) ?? [{ to: body.to }];
  for (const [i, version] of all.entries()) {
    if (!isRecord(version)) return `messageVersions[${i}] is invalid`;
    const extra = Object.keys(version).filter((k) => !VERSION_KEYS.has(k));
    if (extra.length > 0) return `messageVersions[${i}] has unknown ${extra.join(',')}`;
    if (!Array.isArray(version.to) || version.to.length === 0 || !version.to.every(isAddress))
      return `messageVersions[${i}].to is invalid`;
    const text = version.textContent ?? body.textContent;
    const html = version.htmlContent ?? body.htmlContent;
    if (typeof text !== 'string' && typeof html !== 'string') return 'content is missing';
    for (const to of version.to as { email: string }[]) {
      if (!VALID.test(to.email) || rejected.has(to.email)) return 'email is not valid in to';
    }
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBrevoPeer(): Promise<BrevoPeer> {
  const faults: SendFault[] = [];
  const byMessageId = new Map<string, { email: string; subject: string }>();
  const peer: Omit<BrevoPeer, 'baseUrl' | 'close'> = {
    messages: [],
    sendCalls: [],
    requests: [],
    rejected: new Set(),
    contacts: new Set(),
    received: async () => peer.messages,
    failNextSend: (fault) => {
      faults.push(fault);
    },
  };

  async function handleSend(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const fault = faults.shift();
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'answer') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '');
      return;
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      return error(res, 415, 'unsupported_media_type', 'Content-Type must be application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return error(res, 400, 'bad_request', 'Malformed JSON');
    }
    if (!isRecord(body)) return error(res, 400, 'bad_request', 'Body must be an object');
    const versions = (body.messageVersions as Json[] | undefined) ?? [
      { to: body.to, replyTo: body.replyTo },
    ];
    const problem = violation(body, peer.rejected);
    const tags = body.tags as string[] | undefined;
    peer.sendCalls.push({ versions: versions.length, tags, status: problem ? 400 : 201 });
    // Brevo validates the whole call first: one bad version, nothing is sent.
    if (problem !== undefined) return error(res, 400, 'invalid_parameter', problem);
    const headers = Object.fromEntries(
      Object.entries((body.headers as Record<string, string> | undefined) ?? {}).map(
        ([name, value]) => [name.toLowerCase(), value],
      ),
    );
    const ids = versions.map((version) => {
      const to = (version.to as { email: string }[])[0]?.email ?? '';
      const subject = (version.subject ?? body.subject) as string;
      const textPart = (version.textContent ?? body.textContent) as string | undefined;
      // A Message-Id given in headers is kept; else Brevo makes one.
      const messageId =
        headers['message-id'] ?? `<${Date.now()}.${randomUUID()}@smtp-relay.mailin.fr>`;
      peer.messages.push({
        to,
        subject,
        headers,
        messageId,
        ...(typeof textPart === 'string' ? { text: textPart } : {}),
      });
      peer.contacts.add(to);
      byMessageId.set(messageId, { email: to, subject });
      return messageId;
    });
    reply(
      res,
      201,
      body.messageVersions === undefined ? { messageId: ids[0] } : { messageIds: ids },
    );
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    peer.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers['api-key'] !== PEER_KEY) {
      req.resume();
      return error(res, 401, 'unauthorized', 'Key not found');
    }
    const contact = /^\/v3\/contacts\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/v3/smtp/email') {
      handleSend(req, res).catch(() => res.destroy());
      return;
    }
    req.resume();
    if (req.method === 'DELETE' && contact) {
      if (url.searchParams.get('identifierType') !== 'email_id') {
        return error(res, 400, 'invalid_parameter', 'identifierType is invalid');
      }
      const email = decodeURIComponent(contact[1] as string);
      if (!peer.contacts.delete(email)) return error(res, 404, 'document_not_found', 'Not found');
      res.writeHead(204).end();
    } else if (req.method === 'GET' && url.pathname === '/v3/smtp/emails') {
      const messageId = url.searchParams.get('messageId');
      if (messageId === null) return error(res, 400, 'invalid_parameter', 'filter missing');
      const found = byMessageId.get(messageId);
      // Brevo leaves the list out when nothing matches.
      if (found === undefined) return reply(res, 200, { count: 0 });
      reply(res, 200, {
        count: 1,
        transactionalEmails: [
          { ...found, messageId, uuid: randomUUID(), date: new Date().toISOString() },
        ],
      });
    } else if (req.method === 'GET' && url.pathname === '/v3/account') {
      reply(res, 200, { email: 'owner@shop.example', plan: [] });
    } else {
      error(res, 404, 'not_found', 'Unknown resource');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(peer, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
