import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { isGdprMailError, type OutgoingMessage } from '@gdpr-mail/core';
import { runTransportConformance } from '@gdpr-mail/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrevoTransportOptions, createBrevoTransport } from '../src/index.js';
import { type BrevoPeer, PEER_KEY, startBrevoPeer } from './brevo-peer.js';

let peer: BrevoPeer;

beforeAll(async () => {
  peer = await startBrevoPeer();
  peer.rejected.add('refused@example.test');
});
afterAll(async () => {
  await peer.close();
});

function options(overrides: Partial<BrevoTransportOptions> = {}): BrevoTransportOptions {
  return { apiKey: PEER_KEY, baseUrl: peer.baseUrl, ...overrides };
}

runTransportConformance('brevo', () => createBrevoTransport(options()), {
  received: () => peer.received(),
  rejectedRecipient: 'refused@example.test',
  lookup: true,
});

let counter = 0;
function message(to: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  counter += 1;
  return {
    from: { address: 'news@shop.example', name: 'Shop' },
    to,
    subject: `brevo test ${counter} ${Date.now()}`,
    text: 'Hello',
    ...overrides,
  };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isGdprMailError(e) ? e.code : 'other';
  }
  return 'none';
};

describe('createBrevoTransport against a local Brevo-like API', () => {
  const opened: { close: () => Promise<void> }[] = [];
  const make = (overrides: Partial<BrevoTransportOptions> = {}) => {
    const transport = createBrevoTransport(options(overrides));
    opened.push(transport);
    return transport;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });

  it('sends messages that share sender, headers and tags as messageVersions: 250 in calls of 100, 100, 50, results in order', async () => {
    const before = peer.sendCalls.length;
    const batch = Array.from({ length: 250 }, (_, i) =>
      message(`bulk${i}@example.test`, { tags: ['receipt'] }),
    );
    const results = await make({ connections: 2 }).sendBatch(batch);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    const ids = results.map((r) => (r.status === 'accepted' ? r.providerMessageId : ''));
    expect(new Set(ids).size).toBe(250);
    const calls = peer.sendCalls.slice(before);
    expect(calls.map((c) => c.versions).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.tags?.[0] === 'receipt')).toBe(true);
    for (const [i, msg] of batch.entries()) {
      const arrived = peer.messages.find((m) => m.subject === msg.subject);
      expect(arrived?.to).toBe(`bulk${i}@example.test`);
      // The id answered for message i is the id of the message that went to recipient i.
      expect(arrived?.messageId).toBe(ids[i]);
    }
  });

  it('keeps messages with their own headers, tags or body parts in calls of their own', async () => {
    const before = peer.sendCalls.length;
    const batch = [
      message('a@example.test'),
      message('b@example.test', { headers: { 'X-Campaign': 'c1' } }),
      message('c@example.test', { tags: ['other'] }),
      message('d@example.test', { text: undefined, html: '<p>Hi</p>' }),
      message('e@example.test'),
      message('f@example.test', { messageId: '<f-1@shop.example>' }),
    ];
    const results = await make({ connections: 1 }).sendBatch(batch);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    // a and e share an envelope; b, c, d and f each differ from it.
    expect(peer.sendCalls.slice(before).map((c) => c.versions)).toEqual([2, 1, 1, 1, 1]);
    const html = peer.messages.find((m) => m.subject === batch[3]?.subject);
    expect(html?.text).toBeUndefined();
  });

  it('REQ-12: List-Unsubscribe and List-Unsubscribe-Post reach the API in headers, unchanged', async () => {
    const headers = {
      'List-Unsubscribe': '<https://shop.example/u/tok_abc>, <mailto:unsub@shop.example>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    const msg = message('ada@example.test', { headers, html: '<p>Hello</p>' });
    expect(await make().send(msg)).toMatchObject({ status: 'accepted' });
    const arrived = peer.messages.find((m) => m.subject === msg.subject);
    expect(arrived?.headers['list-unsubscribe']).toBe(headers['List-Unsubscribe']);
    expect(arrived?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  it('a call Brevo refuses whole for one bad version is resent message by message: good ones accepted once, bad one rejected, no address in the error', async () => {
    const before = peer.sendCalls.length;
    const batch = [
      message('ok1@example.test'),
      message('refused@example.test'),
      message('ok2@example.test'),
    ];
    const results = await make().sendBatch(batch);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'failed', 'accepted']);
    expect(results[1]).toMatchObject({
      status: 'failed',
      error: { category: 'rejected', retryable: false, providerCode: 'invalid_parameter (400)' },
    });
    expect(JSON.stringify(results[1])).not.toContain('refused@example.test');
    expect(peer.sendCalls.slice(before).map((c) => [c.versions, c.status])).toEqual([
      [3, 400],
      [1, 201],
      [1, 400],
      [1, 201],
    ]);
    for (const msg of [batch[0], batch[2]]) {
      expect(peer.messages.filter((m) => m.subject === msg?.subject)).toHaveLength(1);
    }
  });

  it('metadata goes in X-Mailin-custom as JSON (opaque ids Brevo echoes in its events)', async () => {
    const msg = message('meta@example.test', { metadata: { deliveryId: 'd-1' } });
    expect(await make().send(msg)).toMatchObject({ status: 'accepted' });
    const arrived = peer.messages.find((m) => m.subject === msg.subject);
    expect(arrived?.headers['x-mailin-custom']).toBe('{"deliveryId":"d-1"}');
  });

  it('a wrong API key: every message fails with auth, not retryable', async () => {
    const results = await make({ apiKey: 'wrong' }).sendBatch([
      message('a@example.test'),
      message('b@example.test'),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'auth', retryable: false, providerCode: 'unauthorized (401)' },
      });
    }
  });

  it('a socket reset after the request was written makes every message of the call ambiguous', async () => {
    peer.failNextSend({ kind: 'reset' });
    const results = await make().sendBatch([
      message('r1@example.test'),
      message('r2@example.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['ambiguous', 'ambiguous']);
  });

  it('a refused connection is transient and retryable: nothing was sent', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const result = await make({ baseUrl: `http://127.0.0.1:${closedPort}` }).send(
      message('x@example.test'),
    );
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, providerCode: 'ECONNREFUSED' },
    });
  });

  it('keeps a base URL path prefix (a proxy in front of Brevo)', async () => {
    const before = peer.requests.length;
    const result = await make({ baseUrl: `${peer.baseUrl}/prefix/` }).send(
      message('p@example.test'),
    );
    // The peer knows no /prefix route: a 404 is refused for good, not retried.
    expect(result).toMatchObject({ status: 'failed', error: { category: 'rejected' } });
    expect(peer.requests.slice(before)).toEqual(['POST /prefix/v3/smtp/email']);
  });

  it('looks messages up by Message-Id: listed is accepted, unlisted or unreachable is unknown, never not-found', async () => {
    const transport = make();
    const msg = message('lookup@example.test', { messageId: '<lookup-1@shop.example>' });
    expect(await transport.send(msg)).toEqual({
      status: 'accepted',
      providerMessageId: '<lookup-1@shop.example>',
    });
    const queries = [
      { messageId: '<lookup-1@shop.example>', idempotencyKey: 'campaign:c9:newsletter:s1' },
      { messageId: '<never@shop.example>', idempotencyKey: 'campaign:c9:newsletter:s2' },
    ];
    expect(await transport.lookup(queries)).toEqual([
      { status: 'accepted', providerMessageId: '<lookup-1@shop.example>' },
      { status: 'unknown' },
    ]);
    expect(peer.requests).toContain('GET /v3/smtp/emails');
    const unreachable = make({ baseUrl: 'http://127.0.0.1:9' });
    expect(await unreachable.lookup(queries.slice(0, 1))).toEqual([{ status: 'unknown' }]);
    // Without the Message-Id header Brevo cannot be asked: unknown, and no call.
    const before = peer.requests.length;
    expect(await make({ messageIdHeader: false }).lookup(queries.slice(0, 1))).toEqual([
      { status: 'unknown' },
    ]);
    expect(peer.requests.length).toBe(before);
  });

  it('verify() checks the API key', async () => {
    await expect(make().verify()).resolves.toBeUndefined();
    const error = await make({ apiKey: 'nope' })
      .verify()
      .catch((e: unknown) => e);
    expect(isGdprMailError(error, 'PROVIDER_AUTH_FAILED')).toBe(true);
  });

  it('a closed transport sends nothing', async () => {
    const transport = make();
    await transport.close();
    const before = peer.sendCalls.length;
    const [result] = await transport.sendBatch([message('late@example.test')]);
    expect(result).toMatchObject({ status: 'failed', error: { category: 'transient' } });
    expect(peer.sendCalls.length).toBe(before);
  });
});

describe('createBrevoTransport options', () => {
  const base = { apiKey: 'k' };

  it('declares Sendinblue SAS (FR) by default and takes another processor', () => {
    expect(createBrevoTransport(base).processor).toEqual({
      name: 'Sendinblue SAS (Brevo)',
      role: 'email delivery',
      country: 'FR',
    });
    const custom = createBrevoTransport({
      ...base,
      processor: {
        name: 'Relay Inc.',
        role: 'email delivery',
        country: 'us',
        transferSafeguard: 'standard-contractual-clauses',
      },
    });
    expect(custom.processor.country).toBe('US');
  });

  it('REQ-31: a processor outside the EEA without a transfer safeguard is CONFIG_INVALID', () => {
    expect(
      codeOf(() =>
        createBrevoTransport({
          ...base,
          processor: { name: 'Relay Inc.', role: 'email delivery', country: 'US' },
        }),
      ),
    ).toBe('CONFIG_INVALID');
  });

  it('refuses a missing key, a bad base URL and out-of-range numbers', () => {
    for (const bad of [
      { apiKey: ' ' },
      { ...base, baseUrl: 'ftp://x' },
      { ...base, baseUrl: 'https://a:b@x' },
      { ...base, baseUrl: 'not a url' },
      { ...base, connections: 0 },
      { ...base, timeoutMs: 1.5 },
      { ...base, batchSize: 1001 },
    ]) {
      expect(codeOf(() => createBrevoTransport(bad))).toBe('CONFIG_INVALID');
    }
  });

  it('declares its batch size, custom headers and no native idempotency', () => {
    expect(createBrevoTransport(base).capabilities).toEqual({
      maxBatchSize: 100,
      maxRecipients: 1,
      customHeaders: true,
      nativeIdempotency: false,
    });
    expect(createBrevoTransport({ ...base, batchSize: 1000 }).capabilities.maxBatchSize).toBe(1000);
  });
});
