import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { isGdprMailError, type OutgoingMessage, withRetries } from '@gdpr-mail/core';
import { runTransportConformance } from '@gdpr-mail/core/testing';
// The package root loads undici 8, which crashes on Node 20: import the verifier alone.
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTransportOptions } from '../src/config.js';
import { createSmtpTransport, dkimHeaderFieldNames } from '../src/index.js';
import { type SmtpPeer, startSmtpPeer } from './smtp-peer.js';

const processor = { name: 'Local test relay', role: 'email delivery', country: 'FR' } as const;
let peer: SmtpPeer;

beforeAll(async () => {
  peer = await startSmtpPeer();
});
afterAll(async () => {
  await peer.close();
});

function options(overrides: Partial<SmtpTransportOptions> = {}): SmtpTransportOptions {
  return {
    host: '127.0.0.1',
    port: peer.port,
    ignoreTLS: true,
    processor,
    maxConnections: 3,
    ...overrides,
  };
}

runTransportConformance('smtp', () => createSmtpTransport(options()), {
  received: () => peer.received(),
  rejectedRecipient: 'refused@example.test',
});

// With the relay's log as its lookup (what campaign runs settle crashed sends with).
runTransportConformance(
  'smtp with a relay-log lookup',
  () => createSmtpTransport(options({ lookup: (queries) => peer.lookup(queries) })),
  { received: () => peer.received(), lookup: true },
);

let counter = 0;
function message(to: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  counter += 1;
  return {
    from: { address: 'news@shop.example', name: 'Shop' },
    to,
    subject: `smtp test ${counter} ${Date.now()}`,
    text: 'Hello',
    ...overrides,
  };
}

const unsubscribe = {
  'List-Unsubscribe':
    '<https://shop.example/u/eyJrIjoiazEiLCJ0IjoidW5zdWIifQ.c2lnbmF0dXJlLWhlcmUtdGhhdC1pcy1xdWl0ZS1sb25n>, <mailto:unsubscribe@shop.example?subject=unsubscribe>',
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
};

describe('createSmtpTransport', () => {
  const opened: { close?: () => Promise<void> }[] = [];
  const make = (overrides: Partial<SmtpTransportOptions> = {}) => {
    const transport = createSmtpTransport(options(overrides));
    opened.push(transport);
    return transport;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close?.()));
  });

  it('delivers List-Unsubscribe and List-Unsubscribe-Post unchanged', async () => {
    const msg = message('ada@example.test', { headers: unsubscribe });
    const result = await make().send(msg);
    expect(result.status).toBe('accepted');
    const arrived = peer.messages.find((m) => m.subject === msg.subject);
    expect(arrived?.headers['list-unsubscribe']).toBe(unsubscribe['List-Unsubscribe']);
    expect(arrived?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    if (result.status === 'accepted') {
      expect(result.messageId).toBe(arrived?.messageId);
      expect(result.providerMessageId).toMatch(/^Q\d+$/);
    }
  });

  it('signs with DKIM covering both unsubscribe headers, and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const transport = make({
      dkim: { domainName: 'shop.example', keySelector: 'gm2026', privateKey: pem },
    });
    const msg = message('ada@example.test', {
      headers: unsubscribe,
      messageId: `<dkim-${Date.now()}@shop.example>`,
    });
    expect((await transport.send(msg)).status).toBe('accepted');
    const arrived = peer.messages.find((m) => m.subject === msg.subject);
    const signature = arrived?.headers['dkim-signature'] ?? '';
    const signed = /\bh=([^;]+)/.exec(signature)?.[1]?.replace(/\s+/g, '').toLowerCase().split(':');
    expect(signed).toContain('list-unsubscribe');
    expect(signed).toContain('list-unsubscribe-post');
    expect(signature).toMatch(/\bd=shop\.example\b/);

    const verification = await dkimVerify(arrived?.raw ?? Buffer.alloc(0), {
      resolver: async (name: string, type: string) => {
        expect([name, type]).toEqual(['gm2026._domainkey.shop.example', 'TXT']);
        return [[`v=DKIM1; k=rsa; p=${spki}`]];
      },
    });
    expect(verification.results[0]?.status.result).toBe('pass');
  });

  it('keeps both unsubscribe headers in a custom DKIM header list', () => {
    expect(dkimHeaderFieldNames(['From', 'Subject'])).toBe(
      'From:Subject:List-Unsubscribe:List-Unsubscribe-Post',
    );
    expect(dkimHeaderFieldNames(['from', 'list-unsubscribe-post', 'List-Unsubscribe'])).toBe(
      'from:list-unsubscribe-post:List-Unsubscribe',
    );
  });

  it('answers a 451 as a retryable transient failure', async () => {
    const result = await make().send(message('later@example.test'));
    expect(result).toEqual({
      status: 'failed',
      error: {
        category: 'transient',
        retryable: true,
        providerCode: '451 4.3.0',
        message: expect.stringContaining('451'),
      },
    });
  });

  it('answers a 421 4.7.28 as rate-limited', async () => {
    const result = await make().send(message('throttled@example.test'));
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'rate-limited', retryable: true, providerCode: '421 4.7.28' },
    });
  });

  it('answers a 550 as rejected, not retryable, without the address in the message', async () => {
    for (const to of ['refused@example.test', 'rejected-data@example.test']) {
      const result = await make().send(message(to));
      expect(result).toMatchObject({
        status: 'failed',
        error: { category: 'rejected', retryable: false },
      });
      if (result.status === 'failed') expect(result.error.message).not.toContain(to);
    }
  });

  it('a 550 is not retried by withRetries; a 451 is retried up to maxAttempts', async () => {
    const transport = withRetries(make(), { maxAttempts: 3, sleep: async () => true });
    const rejected = await transport.send(message('rejected-data@example.test'));
    expect(rejected).toMatchObject({ status: 'failed', attempts: 1 });
    const before = peer.dataAttempts.get('later@example.test') ?? 0;
    const transient = await transport.send(message('later@example.test'));
    expect(transient).toMatchObject({ status: 'failed', attempts: 3 });
    expect(peer.dataAttempts.get('later@example.test')).toBe(before + 3);
  });

  it('answers ambiguous when the server drops the connection after DATA, and does not resend', async () => {
    const before = peer.dataAttempts.get('drop-after-data@example.test') ?? 0;
    const transport = withRetries(make(), { sleep: async () => true });
    const result = await transport.send(message('drop-after-data@example.test'));
    expect(result).toMatchObject({ status: 'ambiguous', attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.dataAttempts.get('drop-after-data@example.test')).toBe(before + 1);
  });

  it('settles an ambiguous send from the relay log: a dropped DATA is not found there', async () => {
    const transport = make({ lookup: (queries) => peer.lookup(queries) });
    const dropped = message('drop-after-data@example.test', {
      messageId: '<dropped@shop.example>',
    });
    expect(await transport.send(dropped)).toMatchObject({ status: 'ambiguous' });
    const kept = message('kept@example.test', { messageId: '<kept@shop.example>' });
    expect(await transport.send(kept)).toMatchObject({ status: 'accepted' });
    expect(
      await transport.lookup?.([
        { messageId: '<dropped@shop.example>', idempotencyKey: 'k1' },
        { messageId: '<kept@shop.example>', idempotencyKey: 'k2' },
      ]),
    ).toEqual([
      { status: 'not-found' },
      { status: 'accepted', providerMessageId: expect.stringMatching(/^Q\d+$/) },
    ]);
    // Without the option, SMTP cannot be asked.
    expect(make().lookup).toBeUndefined();
  });

  it('refuses a relay lookup that does not answer once per message', async () => {
    const transport = make({ lookup: async () => [{ status: 'unknown' }] });
    await expect(
      transport.lookup?.([
        { messageId: '<a@shop.example>', idempotencyKey: 'a' },
        { messageId: '<b@shop.example>', idempotencyKey: 'b' },
      ]),
    ).rejects.toSatisfy((error: unknown) => isGdprMailError(error, 'PROVIDER_UNAVAILABLE'));
  });

  it('answers a retryable transient failure when the connection drops before DATA', async () => {
    const result = await make().send(message('drop-at-rcpt@example.test'));
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true },
    });
  });

  it('answers a retryable transient failure when the server refuses the connection', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const transport = make({ port: closedPort });
    const result = await transport.send(message('ada@example.test'));
    expect(result).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true, providerCode: 'ESOCKET' },
    });
    await expect(transport.verify?.()).rejects.toSatisfy((error: unknown) =>
      isGdprMailError(error, 'PROVIDER_UNAVAILABLE'),
    );
  });

  it('keeps per-message results in order across the pool', async () => {
    const batch = [
      message('a@example.test'),
      message('refused@example.test'),
      message('later@example.test'),
      message('b@example.test'),
      message('drop-after-data@example.test'),
      message('c@example.test'),
    ];
    const results = await make().sendBatch(batch);
    expect(results.map((r) => (r.status === 'failed' ? r.error.category : r.status))).toEqual([
      'accepted',
      'rejected',
      'transient',
      'accepted',
      'ambiguous',
      'accepted',
    ]);
  });

  it('refuses a second message with the same Message-ID while the first is in flight', async () => {
    const messageId = `<dup-${Date.now()}@shop.example>`;
    const results = await make().sendBatch([
      message('a@example.test', { messageId }),
      message('b@example.test', { messageId }),
    ]);
    expect(results.map((r) => (r.status === 'failed' ? r.error.category : r.status))).toEqual([
      'accepted',
      'invalid',
    ]);
  });

  it('verifies a reachable server', async () => {
    await expect(make().verify?.()).resolves.toBeUndefined();
  });
});

describe('createSmtpTransport against a server whose TLS certificate is refused', () => {
  // smtp-server's built-in certificate is self-signed for localhost and has expired.
  let tlsServer: SMTPServer;
  let tlsPort: number;
  let connections = 0;
  beforeAll(async () => {
    tlsServer = new SMTPServer({
      authOptional: true,
      logger: false,
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });

  it('answers a failed STARTTLS certificate check as a non-retryable configuration failure', async () => {
    const transport = createSmtpTransport(
      options({ port: tlsPort, ignoreTLS: false, requireTLS: true }),
    );
    try {
      const before = connections;
      const result = await withRetries(transport, {
        maxAttempts: 3,
        sleep: async () => true,
      }).send(message('ada@example.test'));
      expect(result).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { category: 'auth', retryable: false },
      });
      if (result.status !== 'failed') return;
      expect(result.error.message).toContain('TLS certificate');
      expect(result.error.message).not.toContain('ada@');
      expect(result.error.providerCode).toMatch(/CERT|SELF_SIGNED|VERIFY/);
      // Not retried: one connection for the one attempt.
      expect(connections - before).toBe(1);
      await expect(transport.verify?.()).rejects.toSatisfy(
        (error: unknown) => isGdprMailError(error) && /TLS certificate/.test(String(error)),
      );
    } finally {
      await transport.close?.();
    }
  });
});
