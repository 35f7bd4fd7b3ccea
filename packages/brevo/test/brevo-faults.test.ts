// Faults a real peer can't produce on demand, injected with undici's MockAgent
// as the transport's dispatcher (msw does not see the undici package's Pool).
import { type OutgoingMessage, resilientTransport } from '@gdpr-mail/core';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrevoTransport } from '../src/index.js';

const ORIGIN = 'https://api.brevo.test';
type Body = { to?: { email: string }[]; messageVersions?: { to: { email: string }[] }[] };
let agent: MockAgent;
let calls: Body[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  calls = [];
});
afterEach(async () => {
  await agent.close();
});

function transport(overrides = {}) {
  return createBrevoTransport({ apiKey: 'key', baseUrl: ORIGIN, dispatcher: agent, ...overrides });
}

function message(to: string): OutgoingMessage {
  return { from: 'news@shop.example', to, subject: 'fault', text: 'Hello' };
}

type Reply = {
  statusCode: number;
  data: string;
  responseOptions?: { headers: Record<string, string> };
};

/** Answers the next call to /v3/smtp/email with `reply(body)`, recording the body. */
function onSend(reply: (body: Body) => Reply): void {
  agent
    .get(ORIGIN)
    .intercept({ path: '/v3/smtp/email', method: 'POST' })
    .reply((options) => {
      const body = JSON.parse(String(options.body)) as Body;
      calls.push(body);
      return reply(body);
    });
}

let nextId = 1;
function accepted(body: Body): Reply {
  const id = () => `<${nextId++}.fault@smtp-relay.mailin.fr>`;
  const data = body.messageVersions
    ? { messageIds: body.messageVersions.map(id) }
    : { messageId: id() };
  return { statusCode: 201, data: JSON.stringify(data) };
}

const tooMany = (headers: Record<string, string>): Reply => ({
  statusCode: 429,
  data: '{"code":"too_many_requests","message":"The expected rate limit is exceeded."}',
  responseOptions: { headers: { 'content-type': 'application/json', ...headers } },
});

const recipients = () =>
  calls.map((c) => (c.messageVersions ?? [{ to: c.to ?? [] }]).map((v) => v.to[0]?.email));

describe('Brevo faults (MockAgent dispatcher)', () => {
  it('429: every message is rate-limited and retryable, waiting as Retry-After says', async () => {
    onSend(() => tooMany({ 'retry-after': '2' }));
    const results = await transport().sendBatch([
      message('a@example.test'),
      message('b@example.test'),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'rate-limited', retryable: true, retryAfterMs: 2000 },
      });
    }
  });

  it('429 with only x-sib-ratelimit-reset, then success through resilientTransport: sent once after the hinted wait', async () => {
    onSend(() => tooMany({ 'x-sib-ratelimit-reset': '3', 'x-sib-ratelimit-remaining': '0' }));
    onSend(accepted);
    const waits: number[] = [];
    const resilient = resilientTransport(transport(), {
      retry: {
        sleep: async (ms) => {
          waits.push(ms);
          return true;
        },
        random: () => 0,
      },
    });
    const result = await resilient.send(message('once@example.test'));
    expect(result).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(waits).toEqual([3000]);
    expect(recipients()).toEqual([['once@example.test'], ['once@example.test']]);
  });

  it('500 with a Brevo error body: transient and retryable, nothing was sent', async () => {
    onSend(() => ({ statusCode: 500, data: '{"code":"internal_error","message":"Oops"}' }));
    const [result] = await transport().sendBatch([message('a@example.test')]);
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, providerCode: 'internal_error (500)' },
    });
  });

  it('502 from a gateway without a Brevo body: ambiguous, never retried', async () => {
    onSend(() => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }));
    const resilient = resilientTransport(transport(), {
      retry: { sleep: async () => true, random: () => 0 },
    });
    const results = await resilient.sendBatch([
      message('a@example.test'),
      message('b@example.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['ambiguous', 'ambiguous']);
    expect(calls).toHaveLength(1);
  });

  it('a connection reset after the request was written: every message of the call is ambiguous', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/v3/smtp/email', method: 'POST' })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const results = await transport().sendBatch([
      message('a@example.test'),
      message('b@example.test'),
    ]);
    expect(results).toEqual([
      expect.objectContaining({ status: 'ambiguous', providerCode: 'ECONNRESET' }),
      expect.objectContaining({ status: 'ambiguous', providerCode: 'ECONNRESET' }),
    ]);
  });

  it.each([
    // The request was written: Brevo may have sent.
    ['a response timeout', 'UND_ERR_HEADERS_TIMEOUT', { status: 'ambiguous' }],
    // The request never left.
    [
      'a connect timeout',
      'UND_ERR_CONNECT_TIMEOUT',
      { status: 'failed', error: { category: 'transient', retryable: true } },
    ],
  ] as const)('%s (%s)', async (_label, code, expected) => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/v3/smtp/email', method: 'POST' })
      .replyWithError(Object.assign(new Error(`${code} error`), { code }));
    const [result] = await transport().sendBatch([message('a@example.test')]);
    expect(result).toMatchObject(expected);
  });

  it('401 and 403 are auth, 402 (no credits) is account-blocked, none retryable', async () => {
    onSend(() => ({ statusCode: 401, data: '{"code":"unauthorized","message":"Key not found"}' }));
    onSend(() => ({ statusCode: 403, data: '' }));
    onSend(() => ({
      statusCode: 402,
      data: '{"code":"not_enough_credits","message":"Not enough credits"}',
    }));
    const t = transport();
    const categories = [];
    for (let i = 0; i < 3; i++) {
      const [result] = await t.sendBatch([message('a@example.test')]);
      expect(result?.status === 'failed' && result.error.retryable).toBe(false);
      categories.push(result?.status === 'failed' ? result.error.category : result?.status);
    }
    expect(categories).toEqual(['auth', 'auth', 'account-blocked']);
  });

  it('a 201 whose body cannot be read, or that lacks an id for a version, is ambiguous for those messages', async () => {
    onSend(() => ({ statusCode: 201, data: 'not json' }));
    onSend(() => ({ statusCode: 201, data: '{"messageIds":["<1@x>"]}' }));
    const t = transport();
    const [unread] = await t.sendBatch([message('a@example.test')]);
    expect(unread?.status).toBe('ambiguous');
    const short = await t.sendBatch([message('b@example.test'), message('c@example.test')]);
    expect(short).toEqual([
      { status: 'accepted', providerMessageId: '<1@x>' },
      expect.objectContaining({ status: 'ambiguous' }),
    ]);
  });

  it('a whole-call 400 is resent one message at a time; the messages of a failed retry stay apart', async () => {
    onSend(() => ({
      statusCode: 400,
      data: '{"code":"invalid_parameter","message":"email is not valid in to: bad@example.test"}',
    }));
    onSend(accepted);
    onSend(() => ({
      statusCode: 400,
      data: '{"code":"invalid_parameter","message":"email is not valid in to: bad@example.test"}',
    }));
    onSend(() => ({ statusCode: 502, data: '' }));
    const results = await transport().sendBatch([
      message('good@example.test'),
      message('bad@example.test'),
      message('late@example.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'failed', 'ambiguous']);
    expect(JSON.stringify(results)).not.toContain('bad@example.test');
    expect(recipients()).toEqual([
      ['good@example.test', 'bad@example.test', 'late@example.test'],
      ['good@example.test'],
      ['bad@example.test'],
      ['late@example.test'],
    ]);
  });

  it('an abort between calls stops the calls not yet made', async () => {
    const controller = new AbortController();
    onSend((body) => {
      controller.abort();
      return accepted(body);
    });
    const batch = Array.from({ length: 60 }, (_, i) => message(`m${i}@example.test`));
    const results = await transport({ connections: 1, batchSize: 50 }).sendBatch(batch, {
      signal: controller.signal,
    });
    expect(results.slice(0, 50).every((r) => r.status === 'accepted')).toBe(true);
    expect(
      results.slice(50).every((r) => r.status === 'failed' && r.error.category === 'aborted'),
    ).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('at most `connections` calls are in flight, across chunks and envelopes', async () => {
    // Counts the requests started and not yet answered on the dispatcher it is given.
    let inFlight = 0;
    let most = 0;
    const counting = new Proxy(agent, {
      get(target, key, receiver) {
        if (key !== 'request') return Reflect.get(target, key, receiver);
        return async (...args: Parameters<MockAgent['request']>) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          try {
            return await target.request(...args);
          } finally {
            inFlight -= 1;
          }
        };
      },
    });
    for (let i = 0; i < 12; i++) onSend(accepted);
    // A message with its own Message-Id goes in a call of its own: 12 calls, 3 chunks.
    const results = await createBrevoTransport({
      apiKey: 'key',
      baseUrl: ORIGIN,
      dispatcher: counting,
      connections: 2,
      batchSize: 4,
    }).sendBatch(
      Array.from({ length: 12 }, (_, i) => ({
        ...message(`c${i}@example.test`),
        messageId: `<c${i}@shop.example>`,
      })),
    );
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(calls).toHaveLength(12);
    expect(most).toBe(2);
  });
});
