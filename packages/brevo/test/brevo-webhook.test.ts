// The webhook cases follow the shape of the shared webhook conformance suite
// (forged call refused and nothing changed, replay idempotent, one bad event
// does not drop the others, unknown types acknowledged): `setup`, `signed` and
// `forged` are all a port needs.
import {
  createGdprMail,
  isGdprMailError,
  MemoryStore,
  type ProviderEventService,
  type WebhookRequest,
} from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import {
  type BrevoWebhookOptions,
  brevoEventType,
  createBrevoWebhookHandler,
  toProviderEvent,
} from '../src/index.js';

const basicAuth = { username: 'brevo', password: 'hook-password-123' };
const BASIC = `Basic ${Buffer.from('brevo:hook-password-123').toString('base64')}`;
const TOKEN = 'bearer-token-0123456789abcdef';

function setup(options: BrevoWebhookOptions = { basicAuth }) {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  return { gdpr, handler: createBrevoWebhookHandler(gdpr, options) };
}

function signed(body: unknown, authorization = BASIC): WebhookRequest {
  return {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    query: {},
    rawBody: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

function forged(body: unknown, headers: WebhookRequest['headers']): WebhookRequest {
  return { ...signed(body), headers };
}

// Shapes as Brevo posts them (transactional webhooks).
function event(name: string, email: string, n: number, extra: Record<string, unknown> = {}) {
  return {
    event: name,
    email,
    id: 424242,
    date: '2026-12-01 10:00:00',
    ts: 1796112000 + n,
    'message-id': `<20261201100000.${n}@smtp-relay.mailin.fr>`,
    ts_event: 1796112000 + n,
    subject: 'Your receipt',
    'X-Mailin-custom': '{"deliveryId":"d-1"}',
    sending_ip: '185.41.28.1',
    ts_epoch: (1796112000 + n) * 1000 + 123,
    tags: ['receipt'],
    ...extra,
  };
}
const hardBounce = event('hard_bounce', 'jane@example.com', 1, {
  reason: '550 5.1.1 <jane@example.com>: user unknown',
});

async function auditEntries(gdpr: ReturnType<typeof setup>['gdpr']): Promise<unknown[]> {
  const entries = [];
  for await (const entry of gdpr.audit.entries()) entries.push(entry);
  return entries;
}

describe('createBrevoWebhookHandler', () => {
  it('REQ-13/REQ-28: a genuine hard bounce suppresses the address before the 200', async () => {
    const { gdpr, handler } = setup();
    await gdpr.consent.record({
      email: 'jane@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const response = await handler.handle(signed(hardBounce));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 1, suppressed: 1, rejected: 0 });
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.canSend('jane@example.com', 'newsletter')).allowed).toBe(false);
  });

  it('handles each recipient of a batched call by its event: bounces, spam, unsubscribes, blocks and invalid addresses suppress; soft bounces and deliveries do not', async () => {
    const { gdpr, handler } = setup();
    const batch = [
      event('hard_bounce', 'hard@example.com', 1),
      event('soft_bounce', 'soft@example.com', 2, { reason: 'mailbox full' }),
      event('spam', 'spam@example.com', 3),
      event('unsubscribed', 'unsub@example.com', 4),
      event('blocked', 'blocked@example.com', 5),
      event('invalid_email', 'invalid@example.com', 6),
      event('delivered', 'delivered@example.com', 7),
      event('opened', 'opened@example.com', 8),
      event('deferred', 'deferred@example.com', 9),
    ];
    const response = await handler.handle(signed(batch));
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 9, suppressed: 5, rejected: 0 });
    const reason = async (email: string) => (await gdpr.suppression.check(email))?.reason;
    expect(await reason('hard@example.com')).toBe('hard-bounce');
    expect(await reason('spam@example.com')).toBe('complaint');
    expect(await reason('unsub@example.com')).toBe('unsubscribed-all');
    expect(await reason('blocked@example.com')).toBe('hard-bounce');
    expect(await reason('invalid@example.com')).toBe('hard-bounce');
    for (const email of ['soft', 'delivered', 'opened', 'deferred']) {
      expect(await reason(`${email}@example.com`)).toBeUndefined();
    }
  });

  it('takes the bearer token set at creation instead of basic auth', async () => {
    const { gdpr, handler } = setup({ bearerToken: TOKEN });
    expect((await handler.handle(signed(hardBounce, `Bearer ${TOKEN}`))).status).toBe(200);
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
  });

  it.each([
    ['no credentials at all', {}, { basicAuth }],
    [
      'a wrong basic auth password',
      { authorization: `Basic ${Buffer.from('brevo:nope').toString('base64')}` },
      { basicAuth },
    ],
    [
      'another user with the right password',
      { authorization: `Basic ${Buffer.from('other:hook-password-123').toString('base64')}` },
      { basicAuth },
    ],
    [
      'the bearer token where basic auth is set',
      { authorization: `Bearer ${TOKEN}` },
      { basicAuth },
    ],
    ['basic auth where a bearer token is set', { authorization: BASIC }, { bearerToken: TOKEN }],
    ['a wrong bearer token', { authorization: `Bearer ${TOKEN}x` }, { bearerToken: TOKEN }],
    ['the token without its scheme', { authorization: TOKEN }, { bearerToken: TOKEN }],
  ] as const)(
    'a forged call (%s) is refused with 401 and changes nothing',
    async (_label, headers, options) => {
      const { gdpr, handler } = setup(options);
      const before = await auditEntries(gdpr);
      const response = await handler.handle(forged([hardBounce], headers));
      expect(response.status).toBe(401);
      expect(response.headers?.['www-authenticate']).toMatch(/realm=/);
      expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
      expect(await auditEntries(gdpr)).toEqual(before);
    },
  );

  it('a replay is idempotent: same answer, no new audit entry', async () => {
    const { gdpr, handler } = setup();
    await handler.handle(signed([hardBounce]));
    const audit = await auditEntries(gdpr);
    const replay = await handler.handle(signed([hardBounce]));
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body ?? '{}')).toEqual({ received: 1, suppressed: 0, rejected: 0 });
    expect(await auditEntries(gdpr)).toEqual(audit);
  });

  it('one bad event does not drop the others: unusable entries are skipped, an invalid address is rejected alone', async () => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(
      signed([
        'hard_bounce',
        { event: 'hard_bounce' },
        { email: 'noevent@example.com' },
        event('hard_bounce', 'not an address', 2),
        hardBounce,
        event('spam', 'spam@example.com', 3),
      ]),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 6, suppressed: 2, rejected: 1 });
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.suppression.check('spam@example.com'))?.reason).toBe('complaint');
  });

  it('skips an entry with an empty address, as one without an address: it is not rejected', async () => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(signed([event('hard_bounce', '', 1), hardBounce]));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 2, suppressed: 1, rejected: 0 });
    expect(toProviderEvent(event('hard_bounce', '', 1), 'brevo')).toBeUndefined();
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
  });

  it('reads an optional field Brevo sends as null as absent: the event still counts', async () => {
    const { gdpr, handler } = setup();
    const nulls = { 'message-id': null, ts_epoch: null, reason: null, tag: null, tags: null };
    const response = await handler.handle(
      signed([
        event('hard_bounce', 'nullbounce@example.com', 1, nulls),
        event('unsubscribed', 'nullunsub@example.com', 2, { ...nulls, ts_event: null }),
        event('spam', 'nullspam@example.com', 3, { reason: null, 'X-Mailin-custom': null }),
        event('delivered', 'nulldelivered@example.com', 4, nulls),
      ]),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 4, suppressed: 3, rejected: 0 });
    const reason = async (email: string) => (await gdpr.suppression.check(email))?.reason;
    expect(await reason('nullbounce@example.com')).toBe('hard-bounce');
    expect(await reason('nullunsub@example.com')).toBe('unsubscribed-all');
    expect(await reason('nullspam@example.com')).toBe('complaint');
    expect(await reason('nulldelivered@example.com')).toBeUndefined();
  });

  it('REQ-13: leaves out an optional field of an unexpected type instead of dropping the event', async () => {
    const { gdpr, handler } = setup();
    const odd = {
      'message-id': 42,
      ts_epoch: '1767225600000',
      ts_event: 'yesterday',
      reason: { code: 550 },
    };
    const response = await handler.handle(
      signed([
        event('hard_bounce', 'oddbounce@example.com', 1, odd),
        event('spam', 'oddspam@example.com', 2, { 'message-id': 'x'.repeat(2000) }),
      ]),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 2, suppressed: 2, rejected: 0 });
    expect((await gdpr.suppression.check('oddbounce@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.suppression.check('oddspam@example.com'))?.reason).toBe('complaint');
    // The same odd entry again is the same event: a replay changes nothing.
    const before = await auditEntries(gdpr);
    await handler.handle(signed([event('hard_bounce', 'oddbounce@example.com', 1, odd)]));
    expect(await auditEntries(gdpr)).toEqual(before);
  });

  it('acknowledges and ignores event types it does not know', async () => {
    const { gdpr, handler } = setup();
    const before = await auditEntries(gdpr);
    const response = await handler.handle(signed(event('a_future_event', 'future@example.com', 1)));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 1, suppressed: 0, rejected: 0 });
    expect(await gdpr.suppression.check('future@example.com')).toBeUndefined();
    expect(await auditEntries(gdpr)).toEqual(before);
  });

  it('audits the Brevo message id and event id, never the address', async () => {
    const { gdpr, handler } = setup();
    await handler.handle(signed([hardBounce]));
    const text = JSON.stringify(await auditEntries(gdpr));
    expect(text).toContain('<20261201100000.1@smtp-relay.mailin.fr>:hard_bounce:1796112001123');
    expect(text).not.toContain('jane@example.com');
  });

  it('400 on a body that is not a JSON event, 405 on another method, and nothing changes', async () => {
    const { gdpr, handler } = setup();
    expect((await handler.handle(signed(`[${JSON.stringify(hardBounce)}`))).status).toBe(400);
    expect((await handler.handle(signed('"just a string"'))).status).toBe(400);
    expect((await handler.handle({ ...signed(hardBounce), method: 'GET' })).status).toBe(405);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
  });

  it('500 when the events cannot be recorded, so that Brevo calls again', async () => {
    const providerEvents: ProviderEventService = {
      apply: async () => {
        throw new Error('store down');
      },
    };
    const handler = createBrevoWebhookHandler({ providerEvents }, { basicAuth });
    expect((await handler.handle(signed(hardBounce))).status).toBe(500);
  });

  it('refuses to be created without credentials, with both kinds, or with weak ones', () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    for (const options of [
      {},
      { basicAuth, bearerToken: TOKEN },
      { bearerToken: 'short' },
      { bearerToken: 'has a space in it, sadly' },
      { basicAuth: { username: 'u', password: '' } },
      { basicAuth: { username: 'a:b', password: 'p' } },
      { basicAuth, name: 'Brevo EU' },
    ]) {
      let error: unknown;
      try {
        createBrevoWebhookHandler(gdpr, options);
      } catch (e) {
        error = e;
      }
      expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
    }
    expect(createBrevoWebhookHandler(gdpr, { bearerToken: TOKEN }).name).toBe('brevo');
    expect(createBrevoWebhookHandler(gdpr, { basicAuth, name: 'brevo-eu' }).name).toBe('brevo-eu');
  });
});

describe('toProviderEvent', () => {
  it('reads snake_case and camelCase event names', () => {
    expect(
      ['hard_bounce', 'hardBounce', 'soft_bounce', 'softBounce', 'invalidEmail', 'invalid'].map(
        brevoEventType,
      ),
    ).toEqual([
      'hard-bounce',
      'hard-bounce',
      'soft-bounce',
      'soft-bounce',
      'hard-bounce',
      'hard-bounce',
    ]);
    expect(
      ['request', 'click', 'unique_opened', 'proxy_open', 'error'].map(brevoEventType),
    ).toEqual(['other', 'other', 'other', 'other', 'other']);
  });

  it('takes the time from ts_epoch (ms), else ts_event (s), and keeps addresses out of the detail', () => {
    expect(toProviderEvent(hardBounce, 'brevo')).toEqual({
      provider: 'brevo',
      type: 'hard-bounce',
      email: 'jane@example.com',
      eventId: '<20261201100000.1@smtp-relay.mailin.fr>:hard_bounce:1796112001123',
      providerMessageId: '<20261201100000.1@smtp-relay.mailin.fr>',
      detail: '550 5.1.1 <[address]>: user unknown',
      occurredAt: new Date(1796112001123),
    });
    const bare = toProviderEvent({ event: 'spam', email: 'a@example.com', ts_event: 10 }, 'brevo');
    expect(bare).toMatchObject({ eventId: 'none:spam:10000', occurredAt: new Date(10000) });
  });

  it('an optional field sent as null is the same as one left out', () => {
    const withNulls = toProviderEvent(
      {
        event: 'hard_bounce',
        email: 'a@example.com',
        'message-id': null,
        ts_event: 10,
        ts_epoch: null,
        reason: null,
        tag: null,
      },
      'brevo',
    );
    expect(withNulls).toEqual({
      provider: 'brevo',
      type: 'hard-bounce',
      email: 'a@example.com',
      eventId: 'none:hard_bounce:10000',
      occurredAt: new Date(10000),
    });
    expect(
      toProviderEvent(
        { event: 'blocked', email: 'b@example.com', ts_event: null, ts_epoch: null },
        'brevo',
      ),
    ).toEqual({
      provider: 'brevo',
      type: 'blocked',
      email: 'b@example.com',
      eventId: 'none:blocked:none',
    });
    // The fields that decide whether there is an event at all stay required.
    expect(toProviderEvent({ event: 'hard_bounce', email: null }, 'brevo')).toBeUndefined();
    expect(toProviderEvent({ event: null, email: 'c@example.com' }, 'brevo')).toBeUndefined();
  });
});
