import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { isGdprMailError, type OutgoingMessage } from '@gdpr-mail/core';
import { runTransportConformance } from '@gdpr-mail/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMailjetTransport, type MailjetTransportOptions } from '../src/index.js';
import { type MailjetPeer, PEER_KEY, PEER_SECRET, startMailjetPeer } from './mailjet-peer.js';

let peer: MailjetPeer;

beforeAll(async () => {
  peer = await startMailjetPeer();
  peer.rejected.add('refused@example.test');
});
afterAll(async () => {
  await peer.close();
});

function options(overrides: Partial<MailjetTransportOptions> = {}): MailjetTransportOptions {
  return { apiKey: PEER_KEY, apiSecret: PEER_SECRET, baseUrl: peer.baseUrl, ...overrides };
}

runTransportConformance('mailjet', () => createMailjetTransport(options()), {
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
    subject: `mailjet test ${counter} ${Date.now()}`,
    text: 'Hello',
    ...overrides,
  };
}

describe('createMailjetTransport against a local Mailjet-like API', () => {
  const opened: { close?: () => Promise<void> }[] = [];
  const make = (overrides: Partial<MailjetTransportOptions> = {}) => {
    const transport = createMailjetTransport(options(overrides));
    opened.push(transport);
    return transport;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close?.()));
  });

  it('looks messages up by CustomID: listed is accepted with its id, unlisted or unreadable is unknown, never not-found', async () => {
    const transport = make();
    const msg = message('lookup@example.test', { idempotencyKey: 'campaign:c9:newsletter:s1' });
    const sent = await transport.send(msg);
    expect(sent).toMatchObject({ status: 'accepted' });
    const answers = await transport.lookup([
      { messageId: '<a@shop.example>', idempotencyKey: 'campaign:c9:newsletter:s1' },
      { messageId: '<b@shop.example>', idempotencyKey: 'campaign:c9:newsletter:never-sent' },
    ]);
    // Mailjet's ids exceed 2^53: kept exact, as the send answer gave it.
    expect(answers).toEqual([
      {
        status: 'accepted',
        providerMessageId: sent.status === 'accepted' ? sent.providerMessageId : '',
      },
      { status: 'unknown' },
    ]);
    expect(peer.requests).toContain('GET /v3/REST/message');
    const unreachable = make({ baseUrl: 'http://127.0.0.1:9' });
    expect(
      await unreachable.lookup([
        { messageId: '<a@shop.example>', idempotencyKey: 'campaign:c9:newsletter:s1' },
      ]),
    ).toEqual([{ status: 'unknown' }]);
  });

  it('a message sent with metadata.customId and lost after Mailjet took it is found by its idempotency key', async () => {
    const transport = make();
    const before = peer.sendCalls.length;
    peer.failNextSend({ kind: 'accept-then-reset' });
    const sent = await transport.send(
      message('custom@example.test', {
        idempotencyKey: 'campaign:c9:newsletter:s2',
        metadata: { customId: 'order-4711' },
      }),
    );
    expect(sent).toMatchObject({ status: 'ambiguous' });
    // It went out under the idempotency key, which Mailjet lists it by.
    expect(peer.sendCalls.slice(before)).toEqual([
      { messages: 1, customIds: ['campaign:c9:newsletter:s2'] },
    ]);
    const id = peer.sentByCustomId.get('campaign:c9:newsletter:s2');
    expect(id).toBeDefined();
    expect(
      await transport.lookup([
        { messageId: '<c@shop.example>', idempotencyKey: 'campaign:c9:newsletter:s2' },
      ]),
    ).toEqual([{ status: 'accepted', providerMessageId: String(id) }]);
  });

  it('REQ-12: List-Unsubscribe and List-Unsubscribe-Post reach the API in Headers, unchanged', async () => {
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

  it('keeps Mailjet message ids above 2^53 exact', async () => {
    const result = await make().send(message('big@example.test'));
    expect(result.status).toBe('accepted');
    const id = result.status === 'accepted' ? result.providerMessageId : '';
    expect(id).toMatch(/^\d{19}$/);
    expect(BigInt(id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it('sends CustomID from the idempotency key and the opaque ids as EventPayload', async () => {
    const before = peer.sendCalls.length;
    await make().send(
      message('ids@example.test', { idempotencyKey: 'campaign:c1:newsletter:s1', tags: ['news'] }),
    );
    expect(peer.sendCalls.slice(before)).toEqual([
      { messages: 1, customIds: ['campaign:c1:newsletter:s1'] },
    ]);
  });

  it('splits 120 messages into calls of at most 50, results in order', async () => {
    const before = peer.sendCalls.length;
    const batch = Array.from({ length: 120 }, (_, i) => message(`bulk${i}@example.test`));
    const results = await make({ connections: 2 }).sendBatch(batch);
    expect(results).toHaveLength(120);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    const calls = peer.sendCalls.slice(before);
    expect(calls.map((c) => c.messages).sort((a, b) => b - a)).toEqual([50, 50, 20]);
    for (const [i, msg] of batch.entries()) {
      expect(peer.messages.find((m) => m.subject === msg.subject)?.to).toBe(
        `bulk${i}@example.test`,
      );
    }
  });

  it('a partial HTTP 400 answers per message: good ones accepted once, bad one rejected, no address in the error', async () => {
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
      error: { category: 'rejected', retryable: false, providerCode: 'mj-0013 (400)' },
    });
    const error = results[1]?.status === 'failed' ? results[1].error : undefined;
    expect(error?.message).not.toContain('refused@example.test');
    expect(peer.sendCalls.length - before).toBe(1);
  });

  it('wrong credentials: every message fails with auth, not retryable', async () => {
    const results = await make({ apiSecret: 'wrong' }).sendBatch([
      message('a@example.test'),
      message('b@example.test'),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'auth', retryable: false },
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

  it('keeps a base URL path prefix (Mailjet-compatible APIs behind a proxy)', async () => {
    const before = peer.requests.length;
    const result = await make({ baseUrl: `${peer.baseUrl}/prefix/` }).send(
      message('p@example.test'),
    );
    // The peer knows no /prefix route: a 404 is refused for good, not retried.
    expect(result).toMatchObject({ status: 'failed', error: { category: 'rejected' } });
    expect(peer.requests.slice(before)).toEqual(['POST /prefix/v3.1/send']);
  });

  it('verify() checks the credentials', async () => {
    await expect(make().verify()).resolves.toBeUndefined();
    const error = await make({ apiKey: 'nope' })
      .verify()
      .catch((e: unknown) => e);
    expect(isGdprMailError(error, 'PROVIDER_AUTH_FAILED')).toBe(true);
  });
});

describe('createMailjetTransport options', () => {
  const base = { apiKey: 'k', apiSecret: 's' };

  it('declares Mailjet SAS (FR) by default and takes another processor', () => {
    expect(createMailjetTransport(base).processor).toEqual({
      name: 'Mailjet SAS',
      role: 'email delivery',
      country: 'FR',
    });
    const custom = createMailjetTransport({
      ...base,
      processor: {
        name: 'Compatible Relay Inc.',
        role: 'email delivery',
        country: 'US',
        transferSafeguard: 'standard-contractual-clauses',
      },
    });
    expect(custom.processor.country).toBe('US');
  });

  it('REQ-31: a processor outside the EEA without a transfer safeguard is CONFIG_INVALID', () => {
    let error: unknown;
    try {
      createMailjetTransport({
        ...base,
        processor: { name: 'Relay Inc.', role: 'email delivery', country: 'US' },
      });
    } catch (e) {
      error = e;
    }
    expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
  });

  it('refuses missing credentials and a bad base URL', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isGdprMailError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => createMailjetTransport({ apiKey: '', apiSecret: 's' }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => createMailjetTransport({ ...base, baseUrl: 'ftp://x' }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => createMailjetTransport({ ...base, baseUrl: 'https://a:b@x' }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => createMailjetTransport({ ...base, connections: 0 }))).toBe(
      'CONFIG_INVALID',
    );
  });

  it('declares a batch of 50, custom headers and no native idempotency', () => {
    expect(createMailjetTransport(base).capabilities).toEqual({
      maxBatchSize: 50,
      maxRecipients: 1,
      customHeaders: true,
      nativeIdempotency: false,
    });
  });
});
