// Faults a real peer can't produce on demand, injected with undici's MockAgent
// as the transport's dispatcher (msw does not see the undici package's Pool).
import { type OutgoingMessage, resilientTransport } from '@gdpr-mail/core';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailjetTransport } from '../src/index.js';

const ORIGIN = 'https://api.mailjet.test';
let agent: MockAgent;
let calls: { Messages: { To: { Email: string }[] }[] }[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  calls = [];
});
afterEach(async () => {
  await agent.close();
});

function transport() {
  return createMailjetTransport({
    apiKey: 'key',
    apiSecret: 'secret',
    baseUrl: ORIGIN,
    dispatcher: agent,
  });
}

function message(to: string): OutgoingMessage {
  return { from: 'news@shop.example', to, subject: `fault ${to}`, text: 'Hello' };
}

let nextId = 9007199254740993n; // 2^53 + 1: not representable as a double

function success(to: string) {
  const id = nextId++;
  return `{"Status":"success","CustomID":"","To":[{"Email":"${to}","MessageUUID":"u-${id}","MessageID":${id},"MessageHref":"https://api.mailjet.test/v3/REST/message/${id}"}],"Cc":[],"Bcc":[]}`;
}

type Reply = {
  statusCode: number;
  data: string;
  responseOptions?: { headers: Record<string, string> };
};

/** Answers the next call to /v3.1/send with `reply(body)`, recording the body. */
function onSend(reply: (body: { Messages: { To: { Email: string }[] }[] }) => Reply): void {
  agent
    .get(ORIGIN)
    .intercept({ path: '/v3.1/send', method: 'POST' })
    .reply((options) => {
      const body = JSON.parse(String(options.body));
      calls.push(body);
      return reply(body);
    });
}

function allSuccess(body: { Messages: { To: { Email: string }[] }[] }): Reply {
  const messages = body.Messages.map((m) => success(m.To[0]?.Email ?? ''));
  return { statusCode: 200, data: `{"Messages":[${messages.join(',')}]}` };
}

const tooMany: Reply = {
  statusCode: 429,
  data: '{"ErrorIdentifier":"x","StatusCode":429,"ErrorMessage":"Too many requests"}',
  responseOptions: { headers: { 'retry-after': '2', 'content-type': 'application/json' } },
};

describe('Mailjet faults (MockAgent dispatcher)', () => {
  it('429: every message is rate-limited, retryable, with retryAfterMs from Retry-After', async () => {
    onSend(() => tooMany);
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

  it('429 then success through resilientTransport: delivered once, after the hinted wait', async () => {
    onSend(() => tooMany);
    onSend(allSuccess);
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
    expect(result.status === 'accepted' && result.providerMessageId).toBe('9007199254740993');
    expect(waits).toEqual([2000]);
    expect(calls.map((c) => c.Messages.map((m) => m.To[0]?.Email))).toEqual([
      ['once@example.test'],
      ['once@example.test'],
    ]);
  });

  it('partial 400 through resilientTransport: good ones accepted once, bad one failed, no resend', async () => {
    onSend((body) => ({
      statusCode: 400,
      data: `{"Messages":[${success(body.Messages[0]?.To[0]?.Email ?? '')},{"Status":"error","Errors":[{"ErrorIdentifier":"e1","ErrorCode":"mj-0013","StatusCode":400,"ErrorMessage":"\\"bad@example.test\\" is an invalid email address.","ErrorRelatedTo":["To[0].Email"]}]},${success(body.Messages[2]?.To[0]?.Email ?? '')}]}`,
    }));
    const resilient = resilientTransport(transport(), {
      retry: { sleep: async () => true, random: () => 0 },
    });
    const results = await resilient.sendBatch([
      message('good1@example.test'),
      message('bad@example.test'),
      message('good2@example.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'failed', 'accepted']);
    expect(results[1]).toMatchObject({
      status: 'failed',
      error: { category: 'rejected', retryable: false, providerCode: 'mj-0013 (400)' },
    });
    expect(JSON.stringify(results[1])).not.toContain('bad@example.test');
    expect(calls).toHaveLength(1);
  });

  it('500 with a Mailjet error body: transient and retryable, nothing was sent', async () => {
    onSend(() => ({
      statusCode: 500,
      data: '{"ErrorIdentifier":"D4DF574C","StatusCode":500,"ErrorMessage":"Internal server error"}',
    }));
    const [result] = await transport().sendBatch([message('a@example.test')]);
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true },
    });
  });

  it('502 from a gateway without a Mailjet body: ambiguous, never retried', async () => {
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

  it('connection reset after the request was written: every message of the call is ambiguous', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/v3.1/send', method: 'POST' })
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

  it('a response timeout is ambiguous too: Mailjet may have sent', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/v3.1/send', method: 'POST' })
      .replyWithError(
        Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
      );
    const [result] = await transport().sendBatch([message('a@example.test')]);
    expect(result).toMatchObject({ status: 'ambiguous', providerCode: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('401 and 403: auth for every message', async () => {
    onSend(() => ({ statusCode: 401, data: '' }));
    onSend(() => ({ statusCode: 403, data: '{"ErrorMessage":"Forbidden","StatusCode":403}' }));
    const t = transport();
    for (let i = 0; i < 2; i++) {
      const [result] = await t.sendBatch([message('a@example.test')]);
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'auth', retryable: false },
      });
    }
  });

  it('a 200 whose body cannot be read is ambiguous, not failed', async () => {
    onSend(() => ({ statusCode: 200, data: 'not json' }));
    const [result] = await transport().sendBatch([message('a@example.test')]);
    expect(result?.status).toBe('ambiguous');
  });

  it('an abort between chunks stops the chunks not yet handed over', async () => {
    const controller = new AbortController();
    onSend((body) => {
      controller.abort();
      return allSuccess(body);
    });
    const t = createMailjetTransport({
      apiKey: 'key',
      apiSecret: 'secret',
      baseUrl: ORIGIN,
      dispatcher: agent,
      connections: 1,
    });
    const batch = Array.from({ length: 60 }, (_, i) => message(`m${i}@example.test`));
    const results = await t.sendBatch(batch, { signal: controller.signal });
    expect(results.slice(0, 50).every((r) => r.status === 'accepted')).toBe(true);
    expect(
      results.slice(50).every((r) => r.status === 'failed' && r.error.category === 'aborted'),
    ).toBe(true);
    expect(calls).toHaveLength(1);
  });
});
