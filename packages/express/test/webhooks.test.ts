import type { WebhookHandler, WebhookRequest } from '@gdpr-mail/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A stand-in provider handler that records what the router handed it. */
function recordingHandler(name: string, seen: WebhookRequest[]): WebhookHandler {
  return {
    name,
    async handle(request) {
      seen.push(request);
      if (request.query.key !== 'k-123') return { status: 401, body: 'no' };
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
    },
  };
}

describe('provider webhooks in the router', () => {
  it('hands the exact raw body, headers and query to the handler, whatever the content type', async () => {
    const seen: WebhookRequest[] = [];
    harness = await startHarness({ webhooks: [recordingHandler('mailjet', seen)] });
    const body = '[{"event":"bounce","email":"a@example.com"}]  ';
    const response = await harness
      .agent()
      .post('/gdpr/webhooks/mailjet?key=k-123')
      .set('content-type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', 'Notification')
      .send(body);
    expect(response.status).toBe(200);
    expect(response.text).toBe('ok');
    expect(seen[0]?.rawBody).toBe(body);
    expect(seen[0]?.headers['x-amz-sns-message-type']).toBe('Notification');

    const json = await harness
      .agent()
      .post('/gdpr/webhooks/mailjet')
      .set('content-type', 'application/json')
      .send('{"a":1}');
    expect(json.status).toBe(401);
    expect(seen[1]?.rawBody).toBe('{"a":1}');
  });

  it('answers an unexpected failure with a 500 problem that leaks nothing', async () => {
    const errors: unknown[] = [];
    harness = await startHarness({
      onError: (error) => errors.push(error),
      webhooks: [
        {
          name: 'ses',
          handle: async () => {
            throw new Error('secret internals');
          },
        },
      ],
    });
    const response = await harness.agent().post('/gdpr/webhooks/ses').send('x');
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.text).not.toContain('secret internals');
    expect(errors).toHaveLength(1);
  });

  it('refuses a body over the webhook limit with a 413 problem', async () => {
    harness = await startHarness({
      webhookBodyLimit: 100,
      webhooks: [recordingHandler('mailjet', [])],
    });
    const response = await harness
      .agent()
      .post('/gdpr/webhooks/mailjet?key=k-123')
      .set('content-type', 'application/json')
      .send(`[${'"x",'.repeat(100)}"x"]`);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses duplicate or malformed webhook names at mount time', async () => {
    await expect(
      startHarness({ webhooks: [recordingHandler('ses', []), recordingHandler('ses', [])] }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(
      startHarness({ webhooks: [recordingHandler('Bad/Name', [])] }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
