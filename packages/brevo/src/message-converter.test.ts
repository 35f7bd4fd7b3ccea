import { validateMessage } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import { envelopeKey, toBrevoRequest } from './message-converter.js';

const withId = { messageIdHeader: true };

describe('toBrevoRequest', () => {
  it('maps every field of one message to its API v3 property', () => {
    const body = toBrevoRequest(
      [
        validateMessage({
          from: { address: 'news@shop.example', name: 'Shop' },
          to: { address: 'ada@example.test', name: 'Ada' },
          replyTo: 'help@shop.example',
          subject: 'Spring news',
          text: 'Hello',
          html: '<p>Hello</p>',
          headers: { 'List-Unsubscribe': '<https://shop.example/u/t>' },
          messageId: '<m1@shop.example>',
          idempotencyKey: 'campaign:c1:newsletter:s1',
          tags: ['newsletter', 'c1'],
          metadata: { deliveryId: 'd-1' },
        }),
      ],
      withId,
    );
    expect(body).toEqual({
      sender: { email: 'news@shop.example', name: 'Shop' },
      to: [{ email: 'ada@example.test', name: 'Ada' }],
      replyTo: { email: 'help@shop.example' },
      subject: 'Spring news',
      textContent: 'Hello',
      htmlContent: '<p>Hello</p>',
      headers: {
        'List-Unsubscribe': '<https://shop.example/u/t>',
        'Message-Id': '<m1@shop.example>',
        'X-Mailin-custom': '{"deliveryId":"d-1"}',
      },
      tags: ['newsletter', 'c1'],
    });
    // The idempotency key is no header: Brevo's own wants a UUID per call.
    expect(JSON.stringify(body)).not.toContain('campaign:c1');
  });

  it('puts several messages in messageVersions, each with its own recipient, subject, body and reply-to', () => {
    const a = validateMessage({
      from: 'n@shop.example',
      to: 'a@example.test',
      subject: 'A',
      text: 'ta',
    });
    const b = validateMessage({
      from: 'n@shop.example',
      to: 'b@example.test',
      replyTo: 'r@shop.example',
      subject: 'B',
      text: 'tb',
    });
    expect(toBrevoRequest([a, b], withId)).toEqual({
      sender: { email: 'n@shop.example' },
      subject: 'A',
      textContent: 'ta',
      messageVersions: [
        { to: [{ email: 'a@example.test' }], subject: 'A', textContent: 'ta' },
        {
          to: [{ email: 'b@example.test' }],
          replyTo: { email: 'r@shop.example' },
          subject: 'B',
          textContent: 'tb',
        },
      ],
    });
  });
});

describe('envelopeKey', () => {
  const base = { from: 'n@shop.example', to: 'a@example.test', subject: 's', text: 't' };
  const key = (extra: object, options = withId) =>
    envelopeKey(validateMessage({ ...base, ...extra }), options);

  it('is equal for messages that only differ in what a version carries', () => {
    expect(key({ to: 'z@example.test', subject: 'other', text: 'other' })).toBe(key({}));
    expect(key({ replyTo: 'r@shop.example' })).toBe(key({}));
  });

  it('differs with sender, headers, tags, Message-Id or the body parts present', () => {
    for (const extra of [
      { from: 'm@shop.example' },
      { from: { address: 'n@shop.example', name: 'N' } },
      { headers: { 'X-A': '1' } },
      { tags: ['t'] },
      { messageId: '<x@shop.example>' },
      { metadata: { id: '1' } },
      { html: '<p>t</p>' },
      { text: undefined, html: '<p>t</p>' },
    ]) {
      expect(key(extra)).not.toBe(key({}));
    }
    // Without the Message-Id header, the Message-Id no longer sets messages apart.
    expect(key({ messageId: '<x@shop.example>' }, { messageIdHeader: false })).toBe(
      key({}, { messageIdHeader: false }),
    );
  });
});
