import { describe, expect, it } from 'vitest';
import { classifyRecipient } from './classify-status.js';

describe('classifyRecipient: 5.7.x policy refusals', () => {
  it.each([
    // Postfix check_recipient_access REJECT: the address exists, the receiver's policy refused it.
    'smtp; 554 5.7.1 <jane@example.com>: Recipient address rejected: Access denied',
    'smtp; 550 5.7.1 <jane@example.com>: Recipient address rejected: Policy rejection',
    'smtp; 550 5.7.1 Service unavailable; Client host [203.0.113.9] blocked',
  ])('a receiver policy block is soft: %s', (diagnostic) => {
    expect(classifyRecipient('failed', '5.7.1', diagnostic)).toBe('soft-bounce');
  });

  it.each([
    'smtp; 550 5.7.1 <jane@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    'smtp; 550 5.7.1 The email account that you tried to reach does not exist',
  ])('a 5.7.x that says the mailbox is gone stays hard: %s', (diagnostic) => {
    expect(classifyRecipient('failed', '5.7.1', diagnostic)).toBe('hard-bounce');
  });

  it('leaves "address rejected" hard outside 5.7.x (5.1.1 and bare 5xx decide as before)', () => {
    expect(classifyRecipient('failed', '5.1.1', 'smtp; 550 5.1.1 Recipient address rejected')).toBe(
      'hard-bounce',
    );
    expect(classifyRecipient('failed', undefined, 'smtp; 550 Recipient address rejected')).toBe(
      'hard-bounce',
    );
  });
});
