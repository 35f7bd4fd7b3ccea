import type { WebhookRequest } from '@gdpr-mail/core';
import { runWebhookConformance, type WebhookFixtureEvent } from '@gdpr-mail/core/testing';
import { createBrevoWebhookHandler } from '../src/index.js';

const basicAuth = { username: 'brevo', password: 'hook-password-conformance' };
const BASIC = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
const TOKEN = 'bearer-token-conformance-0123456789';

let time = 1796112000;
/** Events as Brevo posts them to a batched webhook (one array a call), each with its own message id and time. */
function body(events: readonly WebhookFixtureEvent[]): string {
  return JSON.stringify(
    events.map((event) => {
      time += 1;
      const common = {
        email: event.email,
        'message-id': `<20261201100000.${time}@smtp-relay.mailin.fr>`,
        ts_event: time,
        ts_epoch: time * 1000 + 123,
      };
      switch (event.type) {
        case 'hard-bounce':
          return { ...common, event: 'hard_bounce', reason: '550 5.1.1 user unknown' };
        case 'complaint':
          return { ...common, event: 'spam' };
        default:
          // An event name Brevo might add one day: acknowledged, never a suppression.
          return { ...common, event: 'teleported' };
      }
    }),
  );
}

function request(rawBody: string, authorization?: string): WebhookRequest {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    query: {},
    rawBody,
  };
}

// REQ-13, REQ-28: Brevo's unsigned events, guarded by Basic auth set in the notify URL.
runWebhookConformance('brevo (basic auth)', {
  makeHandler: (gdpr) => createBrevoWebhookHandler(gdpr, { basicAuth }),
  genuine: (events) => request(body(events), BASIC),
  forged(events) {
    const raw = body(events);
    return {
      'no credentials': request(raw),
      'a wrong basic auth password': request(
        raw,
        `Basic ${Buffer.from('brevo:guessed').toString('base64')}`,
      ),
      'the password sent as a bearer token': request(raw, `Bearer ${basicAuth.password}`),
    };
  },
});

// REQ-13, REQ-28: the same events guarded by the bearer token set at webhook creation.
runWebhookConformance('brevo (bearer token)', {
  makeHandler: (gdpr) => createBrevoWebhookHandler(gdpr, { bearerToken: TOKEN }),
  genuine: (events) => request(body(events), `Bearer ${TOKEN}`),
  forged(events) {
    const raw = body(events);
    return {
      'no credentials': request(raw),
      'a wrong bearer token': request(raw, `Bearer ${TOKEN}x`),
      'a token prefix': request(raw, `Bearer ${TOKEN.slice(0, -1)}`),
      'the token without the Bearer scheme': request(raw, TOKEN),
    };
  },
});
