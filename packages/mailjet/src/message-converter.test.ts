import { validateMessage } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import { toMailjetMessage } from './message-converter.js';

describe('toMailjetMessage', () => {
  it('maps every field of a message to its Send API v3.1 property', () => {
    const entry = toMailjetMessage(
      validateMessage({
        from: { address: 'news@shop.example', name: 'Shop' },
        to: 'ada@example.test',
        replyTo: 'help@shop.example',
        subject: 'Spring news',
        text: 'Hello',
        html: '<p>Hello</p>',
        headers: {
          'List-Unsubscribe': '<https://shop.example/u/t>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        idempotencyKey: 'campaign:c1:newsletter:s1',
        tags: ['newsletter', 'c1'],
        metadata: { deliveryId: 'd-1' },
      }),
    );
    expect(entry).toEqual({
      From: { Email: 'news@shop.example', Name: 'Shop' },
      To: [{ Email: 'ada@example.test' }],
      ReplyTo: { Email: 'help@shop.example' },
      Subject: 'Spring news',
      TextPart: 'Hello',
      HTMLPart: '<p>Hello</p>',
      Headers: {
        'List-Unsubscribe': '<https://shop.example/u/t>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      CustomID: 'campaign:c1:newsletter:s1',
      EventPayload: '{"tags":["newsletter","c1"],"metadata":{"deliveryId":"d-1"}}',
    });
  });

  it('takes CustomID from the idempotency key first, metadata.customId without one, and leaves out what is absent', () => {
    const entry = toMailjetMessage(
      validateMessage({
        from: 'a@shop.example',
        to: 'b@example.test',
        subject: 's',
        text: 't',
        idempotencyKey: 'k1',
        metadata: { customId: 'delivery-9' },
      }),
    );
    // The key is what the lookup searches by; the app's id travels in EventPayload.
    expect(entry.CustomID).toBe('k1');
    expect(entry.EventPayload).toBe('{"metadata":{"customId":"delivery-9"}}');
    expect(
      toMailjetMessage(
        validateMessage({
          from: 'a@shop.example',
          to: 'b@example.test',
          subject: 's',
          text: 't',
          metadata: { customId: 'delivery-9' },
        }),
      ).CustomID,
    ).toBe('delivery-9');
    expect(entry).not.toHaveProperty('Headers');
    expect(entry).not.toHaveProperty('HTMLPart');
    expect(
      toMailjetMessage(
        validateMessage({ from: 'a@shop.example', to: 'b@example.test', subject: 's', text: 't' }),
      ),
    ).toEqual({
      From: { Email: 'a@shop.example' },
      To: [{ Email: 'b@example.test' }],
      Subject: 's',
      TextPart: 't',
    });
  });
});
