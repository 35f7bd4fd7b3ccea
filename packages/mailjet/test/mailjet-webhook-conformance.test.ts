import type { WebhookRequest } from '@gdpr-mail/core';
import { runWebhookConformance, type WebhookFixtureEvent } from '@gdpr-mail/core/testing';
import { createMailjetWebhookHandler } from '../src/index.js';

const SECRET = 'url-secret-conformance-0123456789';
const basicAuth = { username: 'mailjet', password: 'hook-password-conformance' };
const authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;

let time = 1733300000;
/** Events as Mailjet posts them (one array a call), each with its own MessageID and time. */
function body(events: readonly WebhookFixtureEvent[]): string {
  return JSON.stringify(
    events.map((event) => {
      time += 1;
      const common = { time, MessageID: 1152921518473400000 + time, email: event.email };
      switch (event.type) {
        case 'hard-bounce':
          return { ...common, event: 'bounce', hard_bounce: true, error_related_to: 'recipient' };
        case 'complaint':
          return { ...common, event: 'spam', source: 'JMRPP' };
        default:
          // An event name Mailjet might add one day: acknowledged, never a suppression.
          return { ...common, event: 'teleported' };
      }
    }),
  );
}

function request(rawBody: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    query: { key: SECRET },
    rawBody,
    ...overrides,
  };
}

// REQ-13, REQ-28: Mailjet's unsigned events, guarded by basic auth and a URL secret.
runWebhookConformance('mailjet', {
  makeHandler: (gdpr) => createMailjetWebhookHandler(gdpr, { basicAuth, secret: SECRET }),
  genuine: (events) => request(body(events)),
  forged(events) {
    const raw = body(events);
    const wrongPassword = `Basic ${Buffer.from('mailjet:guessed').toString('base64')}`;
    return {
      'no credentials': request(raw, { headers: {}, query: {} }),
      'a wrong basic auth password': request(raw, {
        headers: { authorization: wrongPassword },
      }),
      'basic auth without the URL secret': request(raw, { query: {} }),
      'a wrong URL secret': request(raw, { query: { key: `${SECRET}x` } }),
    };
  },
});
