import { describe, expect, it } from 'vitest';
import { runTransportConformance } from '../testing/transport-conformance.js';
import { InMemoryTransport } from './memory-transport.js';

const transports: InMemoryTransport[] = [];

runTransportConformance(
  'memory',
  () => {
    const transport = new InMemoryTransport().failFor('refused@example.test', 'rejected');
    transports.push(transport);
    return transport;
  },
  {
    rejectedRecipient: 'refused@example.test',
    lookup: true,
    received: async () =>
      transports.flatMap((t) =>
        t.sent.map(({ message }) => ({
          to: message.to.address,
          subject: message.subject,
          headers: Object.fromEntries(
            Object.entries(message.headers).map(([k, v]) => [k.toLowerCase(), v]),
          ),
          ...(message.text === undefined ? {} : { text: message.text }),
          ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
        })),
      ),
  },
);

const msg = (to: string) => ({ from: 'news@shop.example', to, subject: 'Hi', text: 'Hello' });

describe('InMemoryTransport scripting', () => {
  it('fails a recipient the given number of times, then accepts', async () => {
    const transport = new InMemoryTransport().failFor('a@example.test', 'transient', { times: 2 });
    const first = await transport.send(msg('a@example.test'));
    expect(first).toMatchObject({
      status: 'failed',
      error: { category: 'transient', retryable: true },
    });
    await transport.send(msg('a@example.test'));
    expect((await transport.send(msg('A@example.test'))).status).toBe('accepted');
    expect(transport.attempts.get('a@example.test')).toBe(3);
    expect(transport.sentTo('a@example.test')).toHaveLength(1);
  });

  it('answers ambiguous and, by default, keeps the message as if it arrived', async () => {
    const transport = new InMemoryTransport()
      .ambiguousFor('a@example.test')
      .ambiguousFor('b@example.test', { delivered: false });
    expect((await transport.send(msg('a@example.test'))).status).toBe('ambiguous');
    expect((await transport.send(msg('b@example.test'))).status).toBe('ambiguous');
    expect(transport.sent.map((s) => [s.message.to.address, s.ambiguous])).toEqual([
      ['a@example.test', true],
    ]);
  });

  it('carries retryAfterMs and a provider code on a scripted rate limit', async () => {
    const transport = new InMemoryTransport().failFor('a@example.test', 'rate-limited', {
      retryAfterMs: 1500,
      providerCode: '429',
    });
    expect(await transport.send(msg('a@example.test'))).toEqual({
      status: 'failed',
      error: {
        category: 'rate-limited',
        retryable: true,
        retryAfterMs: 1500,
        providerCode: '429',
        message: 'Scripted rate-limited failure.',
      },
    });
  });

  it('forgets everything on reset and refuses to send once closed', async () => {
    const transport = new InMemoryTransport().failFor('a@example.test', 'rejected');
    await transport.send(msg('b@example.test'));
    transport.reset();
    expect(transport.sent).toHaveLength(0);
    expect((await transport.send(msg('a@example.test'))).status).toBe('accepted');
    await transport.close();
    expect(await transport.send(msg('a@example.test'))).toMatchObject({
      status: 'failed',
      error: { retryable: false },
    });
  });
});
