// A local stand-in for the Mailjet API, on node:http: it checks what a real
// Mailjet would refuse (basic auth, JSON body shape, at most 50 messages,
// headers as strings) and answers in Mailjet's shapes, message ids above 2^53
// included. Faults are queued with `failNextSend`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedMessage } from '@gdpr-mail/core/testing';

export const PEER_KEY = 'peer-api-key';
export const PEER_SECRET = 'peer-api-secret';

/** One call to `POST /v3.1/send` as the peer saw it. */
export interface SendCall {
  messages: number;
  customIds: (string | undefined)[];
}

export type SendFault =
  | { kind: 'answer'; status: number; body?: string; headers?: Record<string, string> }
  /** Reads the whole request, then destroys the socket without answering. */
  | { kind: 'reset' }
  /**
   * Takes the messages as a success would (listed by CustomID afterwards),
   * then destroys the socket without answering: a send lost after Mailjet
   * accepted it.
   */
  | { kind: 'accept-then-reset' };

export interface MailjetPeer {
  baseUrl: string;
  received(): Promise<readonly ReceivedMessage[]>;
  readonly messages: ReceivedMessage[];
  readonly sendCalls: SendCall[];
  /** Every request line, e.g. `GET /v3/REST/contact/…`. */
  readonly requests: string[];
  /** Requests refused for bad credentials. */
  unauthorized: number;
  /** Recipients answered with a per-message error (like an invalid address). */
  readonly rejected: Set<string>;
  /** Contacts by address, as Mailjet creates them on send. */
  readonly contacts: Map<string, string>;
  /** Message ids by CustomID, as `GET /v3/REST/message?CustomID=` finds them. */
  readonly sentByCustomId: Map<string, bigint>;
  failNextSend(fault: SendFault): void;
  close(): Promise<void>;
}

// Mailjet message ids are larger than Number.MAX_SAFE_INTEGER.
let nextMessageId = 1152921504606846976n;
const BIG = /"__big__(\d+)"/g;

function send(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body).replace(BIG, '$1');
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function globalError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, {
    ErrorIdentifier: randomUUID(),
    ErrorCode: code,
    StatusCode: status,
    ErrorMessage: message,
  });
}

const MESSAGE_KEYS = new Set([
  'From',
  'To',
  'ReplyTo',
  'Subject',
  'TextPart',
  'HTMLPart',
  'Headers',
  'CustomID',
  'EventPayload',
]);
// Headers Mailjet sets itself and refuses in `Headers`.
const RESERVED = new Set(['from', 'to', 'subject', 'cc', 'bcc', 'sender', 'return-path']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAddress(value: unknown): value is { Email: string; Name?: string } {
  return (
    isRecord(value) &&
    typeof value.Email === 'string' &&
    /^[^@\s]+@[^@\s]+$/.test(value.Email) &&
    (value.Name === undefined || typeof value.Name === 'string') &&
    Object.keys(value).every((k) => k === 'Email' || k === 'Name')
  );
}

/** Why Mailjet would refuse this message entry, or `undefined`. */
function violation(message: unknown): string | undefined {
  if (!isRecord(message)) return 'message is not an object';
  const unknown = Object.keys(message).filter((k) => !MESSAGE_KEYS.has(k));
  if (unknown.length > 0) return `unknown properties ${unknown.join(',')}`;
  if (!isAddress(message.From)) return 'From';
  if (!Array.isArray(message.To) || message.To.length !== 1 || !isAddress(message.To[0]))
    return 'To';
  if (message.ReplyTo !== undefined && !isAddress(message.ReplyTo)) return 'ReplyTo';
  if (typeof message.Subject !== 'string') return 'Subject';
  if (typeof message.TextPart !== 'string' && typeof message.HTMLPart !== 'string')
    return 'TextPart/HTMLPart';
  for (const part of ['TextPart', 'HTMLPart', 'CustomID', 'EventPayload'] as const) {
    if (message[part] !== undefined && typeof message[part] !== 'string') return part;
  }
  if (message.Headers !== undefined) {
    if (!isRecord(message.Headers)) return 'Headers';
    for (const [name, value] of Object.entries(message.Headers)) {
      if (typeof value !== 'string' || RESERVED.has(name.toLowerCase())) return `Headers.${name}`;
    }
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startMailjetPeer(): Promise<MailjetPeer> {
  const expectedAuth = `Basic ${Buffer.from(`${PEER_KEY}:${PEER_SECRET}`).toString('base64')}`;
  const faults: SendFault[] = [];
  const peer: Omit<MailjetPeer, 'baseUrl' | 'close'> = {
    messages: [],
    sendCalls: [],
    requests: [],
    unauthorized: 0,
    rejected: new Set(),
    contacts: new Map(),
    sentByCustomId: new Map(),
    received: async () => peer.messages,
    failNextSend: (fault) => {
      faults.push(fault);
    },
  };
  let nextContactId = 1000;

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
      return globalError(res, 400, 'mj-0002', 'Content-Type must be application/json.');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return globalError(res, 400, 'mj-0002', 'Malformed JSON.');
    }
    if (!isRecord(body) || !Array.isArray(body.Messages)) {
      return globalError(res, 400, 'mj-0003', 'Missing Messages.');
    }
    const keys = Object.keys(body).filter((k) => k !== 'Messages' && k !== 'SandboxMode');
    if (keys.length > 0) return globalError(res, 400, 'mj-0004', `Unknown ${keys.join(',')}.`);
    if (body.Messages.length === 0 || body.Messages.length > 50) {
      return globalError(res, 400, 'send-0008', 'Messages must hold between 1 and 50 entries.');
    }
    const messages = body.Messages as Record<string, unknown>[];
    peer.sendCalls.push({
      messages: messages.length,
      customIds: messages.map((m) => (typeof m.CustomID === 'string' ? m.CustomID : undefined)),
    });
    let anyError = false;
    const results = messages.map((message, i) => {
      const problem = violation(message);
      const to = (message.To as { Email: string }[] | undefined)?.[0]?.Email ?? '';
      if (problem !== undefined || peer.rejected.has(to)) {
        anyError = true;
        return {
          Status: 'error',
          Errors: [
            problem === undefined
              ? {
                  ErrorIdentifier: randomUUID(),
                  ErrorCode: 'mj-0013',
                  StatusCode: 400,
                  ErrorMessage: `"${to}" is an invalid email address.`,
                  ErrorRelatedTo: [`Messages[${i}].To[0].Email`],
                }
              : {
                  ErrorIdentifier: randomUUID(),
                  ErrorCode: 'mj-0003',
                  StatusCode: 400,
                  ErrorMessage: `Invalid message: ${problem}.`,
                  ErrorRelatedTo: [`Messages[${i}]`],
                },
          ],
        };
      }
      const headers = Object.fromEntries(
        Object.entries((message.Headers as Record<string, string> | undefined) ?? {}).map(
          ([name, value]) => [name.toLowerCase(), value],
        ),
      );
      peer.messages.push({
        to,
        subject: message.Subject as string,
        headers,
        ...(typeof message.TextPart === 'string' ? { text: message.TextPart } : {}),
      });
      if (!peer.contacts.has(to)) peer.contacts.set(to, String(nextContactId++));
      const id = nextMessageId++;
      if (typeof message.CustomID === 'string') peer.sentByCustomId.set(message.CustomID, id);
      return {
        Status: 'success',
        ...(typeof message.CustomID === 'string' ? { CustomID: message.CustomID } : {}),
        To: [
          {
            Email: to,
            MessageUUID: randomUUID(),
            MessageID: `__big__${id}`,
            MessageHref: `https://api.mailjet.com/v3/REST/message/${id}`,
          },
        ],
        Cc: [],
        Bcc: [],
      };
    });
    if (fault?.kind === 'accept-then-reset') {
      req.socket.destroy();
      return;
    }
    send(res, anyError ? 400 : 200, { Messages: results });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    peer.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers.authorization !== expectedAuth) {
      peer.unauthorized += 1;
      req.resume();
      return globalError(res, 401, 'mj-0001', 'API key authentication/authorization failure.');
    }
    const contact = /^\/v3\/REST\/contact\/([^/]+)$/.exec(url.pathname);
    const v4contact = /^\/v4\/contacts\/(\d+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/v3.1/send') {
      handleSend(req, res).catch(() => res.destroy());
    } else if (req.method === 'GET' && contact) {
      req.resume();
      const email = decodeURIComponent(contact[1] as string);
      const id = peer.contacts.get(email);
      if (id === undefined) {
        return send(res, 404, { ErrorInfo: '', ErrorMessage: 'Object not found', StatusCode: 404 });
      }
      send(res, 200, {
        Count: 1,
        Data: [{ ID: Number(id), Email: email, IsExcludedFromCampaigns: false }],
        Total: 1,
      });
    } else if (req.method === 'DELETE' && v4contact) {
      req.resume();
      const id = v4contact[1] as string;
      const entry = [...peer.contacts].find(([, value]) => value === id);
      if (!entry) return send(res, 404, { ErrorMessage: 'Contact not found', StatusCode: 404 });
      peer.contacts.delete(entry[0]);
      res.writeHead(200).end();
    } else if (req.method === 'GET' && url.pathname === '/v3/REST/message') {
      req.resume();
      const id = peer.sentByCustomId.get(url.searchParams.get('CustomID') ?? '');
      const data = id === undefined ? [] : [{ ID: `__big__${id}`, Status: 'sent' }];
      send(res, 200, { Count: data.length, Data: data, Total: data.length });
    } else if (req.method === 'GET' && url.pathname === '/v3/REST/apikey') {
      req.resume();
      send(res, 200, { Count: 1, Data: [{ IsActive: true }], Total: 1 });
    } else {
      req.resume();
      globalError(res, 404, 'mj-0404', 'Unknown resource.');
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
