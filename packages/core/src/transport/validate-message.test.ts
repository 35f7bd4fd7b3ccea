import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { hasControlCharacter, validateMessage } from './validate-message.js';

it('finds a control character exactly where Unicode puts one (Cc), tabs allowed', () => {
  const reference = (value: string) => /\p{Cc}/u.test(value.replaceAll('\t', ''));
  const near = fc.constantFrom(
    '\t',
    '\r',
    '\n',
    '\u0000',
    '\u001f',
    ' ',
    '\u007f',
    '\u0085',
    '\u009f',
    '\u00a0',
    '\u2028',
    'é',
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(near, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 8 }),
      (parts) => {
        const value = parts.join('');
        expect(hasControlCharacter(value)).toBe(reference(value));
      },
    ),
    { numRuns: 5000 },
  );
  for (let code = 0; code <= 0xffff; code += 1) {
    const value = String.fromCharCode(code);
    if (hasControlCharacter(value) !== reference(value)) throw new Error(`differs at ${code}`);
  }
});

const base: OutgoingMessage = {
  from: { address: 'news@shop.example', name: 'Shop' },
  to: 'ada@example.test',
  subject: 'Spring offers',
  text: 'Hello\r\nLine two',
};

function codeOf(message: OutgoingMessage): string | undefined {
  try {
    validateMessage(message);
    return undefined;
  } catch (error) {
    return isGdprMailError(error) ? error.code : 'not a GdprMailError';
  }
}

describe('validateMessage', () => {
  it('accepts a valid message, normalising mailboxes and keeping bodies as they are', () => {
    const validated = validateMessage({
      ...base,
      replyTo: 'help@shop.example',
      headers: {
        'List-Unsubscribe': '<https://shop.example/u/abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Folded': 'a\tb',
      },
      messageId: '<d-1@shop.example>',
      idempotencyKey: 'campaign-7:delivery-42',
      tags: ['purpose.newsletter'],
      metadata: { deliveryId: 'd_42' },
    });
    expect(validated.from).toEqual({ address: 'news@shop.example', name: 'Shop' });
    expect(validated.to).toEqual({ address: 'ada@example.test' });
    expect(validated.replyTo).toEqual({ address: 'help@shop.example' });
    expect(validated.text).toBe(base.text);
    expect(validated.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(validateMessage(base)).not.toHaveProperty('replyTo');
  });

  it.each([
    ['a CRLF in a custom header value', { headers: { 'X-A': 'x\r\nBcc: e@example.test' } }],
    ['a bare LF in a custom header value', { headers: { 'X-A': 'x\nBcc: e@example.test' } }],
    ['a NUL in a custom header value', { headers: { 'X-A': 'x\0' } }],
    ['a CRLF in a header name', { headers: { 'X-A\r\nBcc': 'e@example.test' } }],
    ['a CRLF in the subject', { subject: 'Hi\r\nBcc: e@example.test' }],
    ['a CRLF in a display name', { from: { address: 'news@shop.example', name: 'S\r\nBcc: x' } }],
    ['a CRLF in the recipient', { to: 'ada@example.test\r\nBcc: e@example.test' }],
    ['a CRLF in the Message-ID', { messageId: '<a@b.example>\r\nBcc: e@example.test' }],
  ])('refuses %s as HEADER_INJECTION', (_label, patch) => {
    expect(codeOf({ ...base, ...(patch as Partial<OutgoingMessage>) })).toBe('HEADER_INJECTION');
  });

  it.each([
    ['recipient', { to: 'not an address' }],
    ['sender', { from: 'news@' }],
    ['reply-to', { replyTo: { address: 'a@@b.example' } }],
  ])('refuses an invalid %s as INVALID_EMAIL', (_label, patch) => {
    expect(codeOf({ ...base, ...(patch as Partial<OutgoingMessage>) })).toBe('INVALID_EMAIL');
  });

  it.each([
    ['no body', { text: undefined, html: undefined }],
    ['a reserved header (Bcc)', { headers: { Bcc: 'e@example.test' } }],
    ['a reserved header in another case', { headers: { 'message-id': '<a@b.example>' } }],
    ['a header given twice', { headers: { 'X-A': '1', 'x-a': '2' } }],
    ['a malformed header name', { headers: { 'X A': '1' } }],
    ['an over-long header line', { headers: { 'X-A': 'a'.repeat(1000) } }],
    ['a Message-ID without brackets', { messageId: 'a@b.example' }],
    ['an email address as a tag', { tags: ['ada@example.test'] }],
    ['a name in metadata', { metadata: { name: 'Ada Lovelace' } }],
    ['an idempotency key with spaces', { idempotencyKey: 'a b' }],
  ])('refuses %s as INVALID_MESSAGE', (_label, patch) => {
    expect(codeOf({ ...base, ...(patch as Partial<OutgoingMessage>) })).toBe('INVALID_MESSAGE');
  });
});
