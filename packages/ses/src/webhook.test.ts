import { describe, expect, it } from 'vitest';
import { sesNotificationEvents } from './webhook.js';

const ids = { eventId: 'sns-1' };

describe('sesNotificationEvents', () => {
  it('one event per bounced recipient; Permanent is hard, Transient soft, Undetermined other', () => {
    const bounce = (bounceType: string) => ({
      notificationType: 'Bounce',
      bounce: {
        bounceType,
        bounceSubType: 'General',
        bouncedRecipients: [
          { emailAddress: 'a@example.test', status: '5.1.1', diagnosticCode: 'a@example.test' },
          { emailAddress: 'b@example.test' },
        ],
      },
      mail: { messageId: 'ses-1' },
    });
    expect(sesNotificationEvents(bounce('Permanent'), ids)).toEqual([
      {
        provider: 'ses',
        type: 'hard-bounce',
        email: 'a@example.test',
        eventId: 'sns-1',
        providerMessageId: 'ses-1',
        detail: '5.1.1',
      },
      {
        provider: 'ses',
        type: 'hard-bounce',
        email: 'b@example.test',
        eventId: 'sns-1',
        providerMessageId: 'ses-1',
        detail: 'General',
      },
    ]);
    expect(sesNotificationEvents(bounce('Transient'), ids).map((e) => e.type)).toEqual([
      'soft-bounce',
      'soft-bounce',
    ]);
    expect(sesNotificationEvents(bounce('Undetermined'), ids)[0]?.type).toBe('other');
  });

  it('never copies the diagnostic text, which may quote the address', () => {
    const events = sesNotificationEvents(
      {
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bouncedRecipients: [{ emailAddress: 'x@example.test', diagnosticCode: 'x@example.test' }],
        },
      },
      ids,
    );
    expect(events[0]?.detail).toBeUndefined();
  });

  it('maps complaints, treats not-spam feedback and other event types as other', () => {
    const complaint = (feedback?: string) => ({
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'c@example.test' }],
        ...(feedback === undefined ? {} : { complaintFeedbackType: feedback }),
      },
      mail: { messageId: 'ses-2', destination: ['c@example.test'] },
    });
    expect(sesNotificationEvents(complaint('abuse'), ids)[0]).toMatchObject({
      type: 'complaint',
      email: 'c@example.test',
      detail: 'abuse',
    });
    expect(sesNotificationEvents(complaint(), ids)[0]?.type).toBe('complaint');
    expect(sesNotificationEvents(complaint('not-spam'), ids)[0]?.type).toBe('other');
    // An ISP's auth-failure (RFC 6591: SPF/DKIM/DMARC) or virus report is about the
    // message or the sending domain, not the person complaining: no suppression.
    expect(sesNotificationEvents(complaint('auth-failure'), ids)[0]?.type).toBe('other');
    expect(sesNotificationEvents(complaint('virus'), ids)[0]?.type).toBe('other');
    expect(sesNotificationEvents(complaint('fraud'), ids)[0]?.type).toBe('complaint');
    expect(sesNotificationEvents(complaint('other'), ids)[0]?.type).toBe('complaint');
    expect(
      sesNotificationEvents(
        { eventType: 'Open', mail: { messageId: 'm', destination: ['o@example.test'] } },
        ids,
      ),
    ).toEqual([
      {
        provider: 'ses',
        type: 'other',
        email: 'o@example.test',
        eventId: 'sns-1',
        providerMessageId: 'm',
        detail: 'Open',
      },
    ]);
    expect(sesNotificationEvents('nonsense', ids)).toEqual([]);
    expect(sesNotificationEvents({ notificationType: 'Bounce' }, ids)).toEqual([]);
  });
});
