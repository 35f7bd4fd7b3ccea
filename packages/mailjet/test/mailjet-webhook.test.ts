import { createGdprMail, isGdprMailError, MemoryStore, type WebhookRequest } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import { createMailjetWebhookHandler, type MailjetWebhookOptions } from '../src/index.js';

const SECRET = 'url-secret-0123456789abcdef';
const basicAuth = { username: 'mailjet', password: 'hook-password-123' };
const goodAuthorization = `Basic ${Buffer.from('mailjet:hook-password-123').toString('base64')}`;

function setup(options: MailjetWebhookOptions = { basicAuth, secret: SECRET }) {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  return { gdpr, handler: createMailjetWebhookHandler(gdpr, options) };
}

function request(body: unknown, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    method: 'POST',
    headers: { authorization: goodAuthorization, 'content-type': 'application/json' },
    query: { key: SECRET },
    rawBody: typeof body === 'string' ? body : JSON.stringify(body),
    ...overrides,
  };
}

// Shapes as Mailjet posts them (event API, grouped), MessageID above 2^53.
const hardBounce = `{"event":"bounce","time":1733300000,"MessageID":1152921518473429250,"Message_GUID":"1ab23cd4","email":"jane@example.com","mj_campaign_id":0,"mj_contact_id":1234,"customcampaign":"","CustomID":"campaign:c1:newsletter:s1","Payload":"","blocked":false,"hard_bounce":true,"error_related_to":"recipient","error":"user unknown","comment":"Host or domain name not found"}`;
const events = [
  { event: 'spam', time: 1733300001, MessageID: 11, email: 'spam@example.com', source: 'JMRPP' },
  {
    event: 'blocked',
    time: 1733300002,
    MessageID: 12,
    email: 'blocked@example.com',
    error_related_to: 'recipient',
    error: 'preblocked',
  },
  { event: 'unsub', time: 1733300003, MessageID: 13, email: 'unsub@example.com', mj_list_id: 1 },
  {
    event: 'bounce',
    time: 1733300004,
    MessageID: 14,
    email: 'soft@example.com',
    hard_bounce: false,
    error_related_to: 'mailbox',
    error: 'full',
  },
  { event: 'open', time: 1733300005, MessageID: 15, email: 'open@example.com' },
];

describe('createMailjetWebhookHandler', () => {
  it('REQ-13/REQ-28: a genuine hard bounce suppresses the address before the 200', async () => {
    const { gdpr, handler } = setup();
    await gdpr.consent.record({
      email: 'jane@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const response = await handler.handle(request(`[${hardBounce}]`));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 1, suppressed: 1 });
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.canSend('jane@example.com', 'newsletter')).allowed).toBe(false);
  });

  it('REQ-13: spam, blocked and unsub suppress; a soft bounce and an open do not', async () => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(request(events));
    expect(response.status).toBe(200);
    expect((await gdpr.suppression.check('spam@example.com'))?.reason).toBe('complaint');
    expect((await gdpr.suppression.check('blocked@example.com'))?.reason).toBe('hard-bounce');
    expect((await gdpr.suppression.check('unsub@example.com'))?.reason).toBe('unsubscribed-all');
    expect(await gdpr.suppression.check('soft@example.com')).toBeUndefined();
    expect(await gdpr.suppression.check('open@example.com')).toBeUndefined();
  });

  it('a block or permanent bounce about the content, the sender or Mailjet itself suppresses nobody', async () => {
    // Mailjet's error table: `content`, `spam` and `system` failures, greylisting and
    // `duplicate in campaign` say nothing against the address (a content block hits a
    // whole campaign's audience); `recipient` / `domain` ones and `preblocked` do.
    const failure = (email: string, event: string, related: string, error: string) => ({
      event,
      time: 1733300100,
      MessageID: 21,
      email,
      ...(event === 'bounce' ? { hard_bounce: true, blocked: false } : {}),
      error_related_to: related,
      error,
    });
    const { gdpr, handler } = setup();
    const response = await handler.handle(
      request([
        failure('content@example.com', 'blocked', 'content', 'error in template language'),
        failure('filter@example.com', 'blocked', 'spam', 'content blocked'),
        failure('system@example.com', 'blocked', 'system', 'system issue'),
        failure('dup@example.com', 'blocked', 'mailjet', 'duplicate in campaign'),
        failure('grey@example.com', 'blocked', 'domain', 'greylisted'),
        failure('policy@example.com', 'bounce', 'spam', 'policy issue'),
        failure('pre@example.com', 'blocked', 'mailjet', 'preblocked'),
        failure('gone@example.com', 'blocked', 'recipient', 'user unknown'),
        failure('nohost@example.com', 'bounce', 'domain', 'no mail host'),
      ]),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 9, suppressed: 3 });
    for (const email of [
      'content@example.com',
      'filter@example.com',
      'system@example.com',
      'dup@example.com',
      'grey@example.com',
      'policy@example.com',
    ]) {
      expect(await gdpr.suppression.check(email)).toBeUndefined();
    }
    for (const email of ['pre@example.com', 'gone@example.com', 'nohost@example.com']) {
      expect((await gdpr.suppression.check(email))?.reason).toBe('hard-bounce');
    }
  });

  it('takes a single event object as well as an array', async () => {
    const { gdpr, handler } = setup();
    expect((await handler.handle(request(hardBounce))).status).toBe(200);
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
  });

  it('a replay is idempotent: same answer, no new audit entry', async () => {
    const { gdpr, handler } = setup();
    await handler.handle(request(`[${hardBounce}]`));
    const audit = await gdpr.audit.verify();
    const replay = await handler.handle(request(`[${hardBounce}]`));
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body ?? '{}')).toEqual({ received: 1, suppressed: 0 });
    expect(await gdpr.audit.verify()).toEqual(audit);
  });

  it('audits the exact Mailjet message id and event id, never the address', async () => {
    const { gdpr, handler } = setup();
    await handler.handle(request(`[${hardBounce}]`));
    const entries = [];
    for await (const entry of gdpr.audit.entries()) entries.push(entry);
    const text = JSON.stringify(entries);
    expect(text).toContain('1152921518473429250:bounce:1733300000');
    expect(text).toContain('"providerMessageId":"1152921518473429250"');
    expect(text).not.toContain('jane@example.com');
  });

  it.each([
    ['no credentials at all', { headers: {}, query: {} }],
    [
      'a wrong basic auth password',
      { headers: { authorization: `Basic ${Buffer.from('mailjet:nope').toString('base64')}` } },
    ],
    ['the right password but no URL secret', { query: {} }],
    ['the right secret but no basic auth', { headers: {} }],
    ['a secret given twice in the query', { query: { key: [SECRET, SECRET] } }],
  ])('401 with %s, and nothing changes', async (_label, overrides) => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(request(`[${hardBounce}]`, overrides));
    expect(response.status).toBe(401);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
  });

  it('works with only a URL secret, or only basic auth', async () => {
    const onlySecret = setup({ secret: SECRET });
    expect(
      (await onlySecret.handler.handle(request(`[${hardBounce}]`, { headers: {} }))).status,
    ).toBe(200);
    expect(
      (await onlySecret.handler.handle(request(`[${hardBounce}]`, { query: { key: 'x' } }))).status,
    ).toBe(401);
    const onlyBasic = setup({ basicAuth, secretParam: 'unused' });
    expect((await onlyBasic.handler.handle(request(`[${hardBounce}]`, { query: {} }))).status).toBe(
      200,
    );
  });

  it('400 on a body that is not JSON, and nothing changes', async () => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(request(`[${hardBounce}`));
    expect(response.status).toBe(400);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
    expect((await handler.handle(request('"just a string"'))).status).toBe(400);
  });

  it('skips entries it cannot use (no address) and applies the rest', async () => {
    const { handler } = setup();
    const response = await handler.handle(
      request(
        `[{"event":"bounce","hard_bounce":true},{"event":"spam","email":"not an address"},${hardBounce}]`,
      ),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ received: 3, suppressed: 1 });
  });

  it('refuses to be created without basic auth or a secret, or with a weak secret', () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    for (const options of [
      {},
      { secret: 'short' },
      { basicAuth: { username: 'u', password: '' } },
    ]) {
      let error: unknown;
      try {
        createMailjetWebhookHandler(gdpr, options);
      } catch (e) {
        error = e;
      }
      expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
    }
    expect(createMailjetWebhookHandler(gdpr, { secret: SECRET }).name).toBe('mailjet');
    expect(createMailjetWebhookHandler(gdpr, { secret: SECRET, name: 'mj-eu' }).name).toBe('mj-eu');
  });
});
