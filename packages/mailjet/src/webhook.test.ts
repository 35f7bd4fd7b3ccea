import { describe, expect, it } from 'vitest';
import { toProviderEvent } from './webhook.js';

describe('toProviderEvent', () => {
  it('maps Mailjet event names to provider event types', () => {
    const type = (raw: Record<string, unknown>) =>
      toProviderEvent({ email: 'a@example.com', ...raw }, 'mailjet')?.type;
    expect(type({ event: 'bounce', hard_bounce: true })).toBe('hard-bounce');
    expect(type({ event: 'bounce', hard_bounce: false })).toBe('soft-bounce');
    expect(type({ event: 'bounce' })).toBe('soft-bounce');
    expect(type({ event: 'spam' })).toBe('complaint');
    expect(type({ event: 'blocked' })).toBe('blocked');
    expect(type({ event: 'unsub' })).toBe('unsubscribe');
    expect(type({ event: 'sent' })).toBe('other');
    expect(type({ event: 'click' })).toBe('other');
  });

  it('reads a flag sent as a string, and never drops an event for an optional field of another type', () => {
    const type = (raw: Record<string, unknown>) =>
      toProviderEvent({ email: 'a@example.com', ...raw }, 'mailjet')?.type;
    expect(type({ event: 'bounce', hard_bounce: 'true', blocked: '' })).toBe('hard-bounce');
    expect(type({ event: 'bounce', hard_bounce: 'false' })).toBe('soft-bounce');
    expect(type({ event: 'bounce', hard_bounce: '' })).toBe('soft-bounce');
    expect(type({ event: 'spam', blocked: '', hard_bounce: '', source: 'JMRPP' })).toBe(
      'complaint',
    );
    expect(type({ event: 'unsub', time: '1733300003', mj_list_id: 1 })).toBe('unsubscribe');
    expect(
      toProviderEvent(
        { event: 'spam', email: 'a@example.com', time: 'soon', MessageID: { x: 1 } },
        'mailjet',
      ),
    ).toEqual({
      provider: 'mailjet',
      type: 'complaint',
      email: 'a@example.com',
      eventId: 'none:spam:none',
    });
  });

  it('builds the event id from the message id, the event and its time; falls back to mj_message_id', () => {
    expect(
      toProviderEvent(
        {
          event: 'bounce',
          email: 'a@example.com',
          time: 1700000000,
          mj_message_id: '77',
          hard_bounce: true,
          error_related_to: 'recipient',
          error: 'user unknown',
        },
        'mailjet',
      ),
    ).toEqual({
      provider: 'mailjet',
      type: 'hard-bounce',
      email: 'a@example.com',
      eventId: '77:bounce:1700000000',
      providerMessageId: '77',
      detail: 'recipient: user unknown',
      occurredAt: new Date(1700000000 * 1000),
    });
  });

  it('keeps addresses out of the detail', () => {
    const event = toProviderEvent(
      {
        event: 'blocked',
        email: 'a@example.com',
        error_related_to: 'recipient',
        error: 'a@example.com is blocked',
      },
      'mailjet',
    );
    expect(event?.detail).toBe('recipient: [address] is blocked');
  });

  it('skips entries without an event name or a valid address', () => {
    expect(toProviderEvent({ email: 'a@example.com' }, 'mailjet')).toBeUndefined();
    expect(toProviderEvent({ event: 'spam', email: 'nope' }, 'mailjet')).toBeUndefined();
    expect(toProviderEvent('spam', 'mailjet')).toBeUndefined();
  });
});
