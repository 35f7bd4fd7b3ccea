import { describe, expect, it } from 'vitest';
import { mimeFields } from './mime-fields.js';
import { validateMessage } from './validate-message.js';

describe('mimeFields', () => {
  it('REQ-12: mailboxes as composers take them, custom headers as prepared lines, absent fields left out', () => {
    const message = validateMessage({
      from: { address: 'news@shop.example', name: 'Shop' },
      to: 'ada@example.test',
      subject: 'Hello',
      text: 'Hi',
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(mimeFields(message)).toEqual({
      from: { name: 'Shop', address: 'news@shop.example' },
      to: 'ada@example.test',
      subject: 'Hello',
      text: 'Hi',
      headers: {
        'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
      },
    });
  });
});
