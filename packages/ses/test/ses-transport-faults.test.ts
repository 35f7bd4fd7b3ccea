import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { OutgoingMessage } from '@gdpr-mail/core';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SesTransportOptions } from '../src/config.js';
import { createSesTransport } from '../src/index.js';

const SEND_URL = 'https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails';
const server = setupServer();
let calls: { to: string[]; body: Record<string, unknown> }[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => {
  server.resetHandlers();
  calls = [];
});
afterAll(() => server.close());

function client(overrides: Partial<ConstructorParameters<typeof SESv2Client>[0]> = {}) {
  return new SESv2Client({
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    ...overrides,
  });
}

function transport(overrides: Partial<SesTransportOptions> = {}) {
  return createSesTransport({ region: 'eu-west-1', client: client(), ...overrides });
}

function sesError(status: number, type: string, headers: Record<string, string> = {}) {
  return HttpResponse.json(
    { message: `${type} for bob@example.test` },
    { status, headers: { 'x-amzn-ErrorType': type, ...headers } },
  );
}

/** Records each call, then answers with `respond`. */
function onSend(respond: (to: string) => Response | Promise<Response>) {
  server.use(
    http.post(SEND_URL, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      const to = (body.Destination as { ToAddresses: string[] }).ToAddresses;
      calls.push({ to, body });
      return respond(to[0] ?? '');
    }),
  );
}

let n = 0;
function message(to = 'bob@example.test'): OutgoingMessage {
  n += 1;
  return { from: 'news@shop.example', to, subject: `fault ${n}`, text: 'Hello' };
}

describe('SES error mapping over HTTP (msw)', () => {
  it('429 TooManyRequestsException is rate-limited, retryable, with the Retry-After hint; one call only', async () => {
    onSend(() => sesError(429, 'TooManyRequestsException', { 'Retry-After': '2' }));
    const result = await transport().send(message());
    expect(result).toEqual({
      status: 'failed',
      error: expect.objectContaining({
        category: 'rate-limited',
        retryable: true,
        retryAfterMs: 2000,
        providerCode: 'TooManyRequestsException',
      }),
    });
    expect(calls).toHaveLength(1);
  });

  it('400 MessageRejected is rejected, not retryable, and the message text carries no address', async () => {
    onSend(() => sesError(400, 'MessageRejected'));
    const result = await transport().send(message());
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'rejected', retryable: false, providerCode: 'MessageRejected' },
    });
    expect(JSON.stringify(result)).not.toContain('bob@example.test');
  });

  it.each([
    ['AccountSuspendedException', 400, 'account-blocked'],
    ['SendingPausedException', 400, 'account-blocked'],
    ['MailFromDomainNotVerifiedException', 400, 'rejected'],
    ['BadRequestException', 400, 'invalid'],
    ['NotFoundException', 404, 'invalid'],
    ['UnrecognizedClientException', 403, 'auth'],
    ['InvalidSignatureException', 403, 'auth'],
  ] as const)('%s (%i) maps to %s, not retryable', async (type, status, category) => {
    onSend(() => sesError(status, type));
    expect(await transport().send(message())).toMatchObject({
      status: 'failed',
      error: { category, retryable: false, providerCode: type },
    });
  });

  it('500 InternalServiceErrorException is ambiguous: SES may have sent it, so it is never retried', async () => {
    onSend(() => sesError(500, 'InternalServiceErrorException'));
    const result = await transport().send(message());
    expect(result).toMatchObject({
      status: 'ambiguous',
      providerCode: 'InternalServiceErrorException',
    });
    expect(calls).toHaveLength(1);
  });

  it('503 ServiceUnavailable is transient and retryable (SES refused the call)', async () => {
    onSend(() => sesError(503, 'ServiceUnavailable'));
    expect(await transport().send(message())).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true },
    });
  });

  it('a request SES never answers is ambiguous after requestTimeoutMs', async () => {
    onSend(async () => {
      await delay('infinite');
      return HttpResponse.json({});
    });
    const result = await transport({ requestTimeoutMs: 50 }).send(message());
    expect(result).toMatchObject({ status: 'ambiguous', providerCode: 'TimeoutError' });
    expect(calls).toHaveLength(1);
  });

  it('a network error after the request left is ambiguous', async () => {
    onSend(() => HttpResponse.error());
    expect(await transport().send(message())).toMatchObject({ status: 'ambiguous' });
  });

  it('an abort while SES holds the request is ambiguous; an abort before is aborted', async () => {
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    onSend(async () => {
      arrived();
      await delay('infinite');
      return HttpResponse.json({});
    });
    const controller = new AbortController();
    const pending = transport().send(message(), { signal: controller.signal });
    await reached;
    controller.abort();
    expect(await pending).toMatchObject({ status: 'ambiguous', providerCode: 'AbortError' });
    expect(await transport().send(message(), { signal: controller.signal })).toMatchObject({
      status: 'failed',
      error: { category: 'aborted' },
    });
  });

  it('a batch gets one result per message in order, whatever each call answered', async () => {
    onSend((to) => {
      if (to.startsWith('rejected')) return sesError(400, 'MessageRejected');
      if (to.startsWith('slow-down')) return sesError(429, 'TooManyRequestsException');
      return HttpResponse.json({ MessageId: `id-${to}` });
    });
    const results = await transport().sendBatch([
      message('a@example.test'),
      message('rejected@example.test'),
      message('slow-down@example.test'),
      message('b@example.test'),
    ]);
    expect(results.map((r) => (r.status === 'failed' ? r.error.category : r.status))).toEqual([
      'accepted',
      'rejected',
      'rate-limited',
      'accepted',
    ]);
    expect(results[3]).toEqual({ status: 'accepted', providerMessageId: 'id-b@example.test' });
  });

  it('missing credentials are auth failures and nothing is sent', async () => {
    onSend(() => HttpResponse.json({ MessageId: 'x' }));
    const noCredentials = createSesTransport({
      region: 'eu-west-1',
      client: client({
        credentials: async () => {
          throw Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          });
        },
      }),
    });
    expect(await noCredentials.send(message())).toMatchObject({
      status: 'failed',
      error: { category: 'auth', retryable: false },
    });
    expect(calls).toHaveLength(0);
  });

  it('a credential lookup that hangs past the timeout is transient, and the late call never leaves', async () => {
    onSend(() => HttpResponse.json({ MessageId: 'x' }));
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowClient = client({
      credentials: async () => {
        await hanging;
        return { accessKeyId: 'AKIDLATE', secretAccessKey: 'late' };
      },
    });
    // Tells when the SDK call itself is over, whatever the transport answered meanwhile.
    let settled: () => void = () => {};
    const callOver = new Promise<void>((resolve) => {
      settled = resolve;
    });
    slowClient.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } finally {
          settled();
        }
      },
      { step: 'initialize', name: 'testCallOver' },
    );
    const slow = createSesTransport({
      region: 'eu-west-1',
      requestTimeoutMs: 20,
      client: slowClient,
    });
    expect(await slow.send(message())).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, providerCode: 'TimeoutError' },
    });
    release();
    await callOver;
    expect(calls).toHaveLength(0);
  });

  it('refuses a client that retries on its own, before sending anything', async () => {
    onSend(() => HttpResponse.json({ MessageId: 'x' }));
    const retrying = createSesTransport({
      region: 'eu-west-1',
      client: client({ maxAttempts: 3 }),
    });
    expect(await retrying.send(message())).toMatchObject({
      status: 'failed',
      error: { category: 'invalid', providerCode: 'CONFIG_INVALID' },
    });
    expect(calls).toHaveLength(0);
    await expect(retrying.verify?.()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('the client it builds itself sends once, even when SES fails', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    try {
      onSend(() => sesError(500, 'InternalServiceErrorException'));
      const own = createSesTransport({ region: 'eu-west-1' });
      expect(await own.send(message())).toMatchObject({ status: 'ambiguous' });
      expect(calls).toHaveLength(1);
      await own.close?.();
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe('SES connection faults over real sockets', () => {
  let tcp: Server;
  let port = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Reads the request, then resets the connection without answering.
    tcp = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    port = (tcp.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });

  it('a connection reset after the request was written is ambiguous', async () => {
    const ses = createSesTransport({
      region: 'eu-west-1',
      client: client({ endpoint: `http://127.0.0.1:${port}` }),
    });
    const result = await ses.send(message());
    expect(result).toMatchObject({ status: 'ambiguous', providerCode: 'ECONNRESET' });
  });

  it('a refused connection is transient and retryable: nothing reached SES', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const ses = createSesTransport({
      region: 'eu-west-1',
      client: client({ endpoint: `http://127.0.0.1:${freePort}` }),
    });
    expect(await ses.send(message())).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, providerCode: 'ECONNREFUSED' },
    });
  });
});
