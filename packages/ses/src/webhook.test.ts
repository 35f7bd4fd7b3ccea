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

  it('reads the address of a bounced or complained recipient written with its display name', () => {
    const named = [{ emailAddress: '"Ada L." <a@example.test>' }];
    const bounce = {
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bouncedRecipients: named },
    };
    const complaint = { notificationType: 'Complaint', complaint: { complainedRecipients: named } };
    expect(sesNotificationEvents(bounce, ids)[0]).toMatchObject({
      type: 'hard-bounce',
      email: 'a@example.test',
    });
    expect(sesNotificationEvents(complaint, ids)[0]).toMatchObject({
      type: 'complaint',
      email: 'a@example.test',
    });
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

  describe('Subscription events (SES list management)', () => {
    const preferences = (
      unsubscribeAll: boolean,
      topics: Record<string, string> = {},
    ): Record<string, unknown> => ({
      unsubscribeAll,
      topicSubscriptionStatus: Object.entries(topics).map(([topicName, subscriptionStatus]) => ({
        topicName,
        subscriptionStatus,
      })),
    });
    // The shape SES publishes to SNS for a configuration set's Subscription events.
    const subscription = (
      next: Record<string, unknown> | undefined,
      previous: Record<string, unknown> | undefined,
      destination: string[] = ['s@example.test'],
    ) => ({
      eventType: 'Subscription',
      mail: {
        timestamp: '2026-12-04T01:59:00.000Z',
        source: 'news@shop.example',
        messageId: 'ses-sub-1',
        destination,
        tags: { 'ses:configuration-set': ['gdpr'] },
      },
      subscription: {
        contactList: 'newsletter',
        timestamp: '2026-12-04T02:00:00.000Z',
        source: 'UnsubscribeHeader',
        ...(next === undefined ? {} : { newTopicPreferences: next }),
        ...(previous === undefined ? {} : { oldTopicPreferences: previous }),
      },
    });

    it("unsubscribeAll is the recipient unsubscribing: an unsubscribe event, like Mailjet's unsub", () => {
      expect(
        sesNotificationEvents(
          subscription(preferences(true), preferences(false, { news: 'OptIn' })),
          ids,
        ),
      ).toEqual([
        {
          provider: 'ses',
          type: 'unsubscribe',
          email: 's@example.test',
          eventId: 'sns-1',
          providerMessageId: 'ses-sub-1',
          detail: 'Subscription: UnsubscribeHeader',
          occurredAt: new Date('2026-12-04T02:00:00.000Z'),
        },
      ]);
      // Without the old preferences (a contact SES had no record of) it is the same.
      expect(sesNotificationEvents(subscription(preferences(true), undefined), ids)[0]?.type).toBe(
        'unsubscribe',
      );
    });

    it('a topic gone to OptOut is an unsubscribe; one that stays out, or an opt-in, is not', () => {
      const type = (next: Record<string, unknown>, previous?: Record<string, unknown>) =>
        sesNotificationEvents(subscription(next, previous), ids)[0]?.type;
      expect(
        type(preferences(false, { news: 'OptOut' }), preferences(false, { news: 'OptIn' })),
      ).toBe('unsubscribe');
      // A topic the contact had no status for before.
      expect(type(preferences(false, { news: 'OptOut' }), preferences(false))).toBe('unsubscribe');
      // The API's spelling of the same status.
      expect(type(preferences(false, { news: 'OPT_OUT' }), preferences(false))).toBe('unsubscribe');
      // An opt-in to another topic, while an earlier opt-out stays as it was.
      expect(
        type(
          preferences(false, { news: 'OptOut', offers: 'OptIn' }),
          preferences(false, { news: 'OptOut', offers: 'OptOut' }),
        ),
      ).toBe('other');
      expect(
        type(preferences(false, { news: 'OptIn' }), preferences(false, { news: 'OptOut' })),
      ).toBe('other');
      expect(type(preferences(false), preferences(true))).toBe('other');
      // No new preferences at all: nothing says the person opted out.
      expect(sesNotificationEvents(subscription(undefined, preferences(false)), ids)[0]).toEqual({
        provider: 'ses',
        type: 'other',
        email: 's@example.test',
        eventId: 'sns-1',
        providerMessageId: 'ses-sub-1',
        detail: 'Subscription: UnsubscribeHeader',
        occurredAt: new Date('2026-12-04T02:00:00.000Z'),
      });
    });

    it('reads the address of a recipient SES lists with its display name', () => {
      const [event] = sesNotificationEvents(
        subscription(preferences(true), preferences(false), ['"Ada L." <s@example.test>']),
        ids,
      );
      expect(event).toMatchObject({ type: 'unsubscribe', email: 's@example.test' });
      expect(
        sesNotificationEvents(
          subscription(preferences(true), preferences(false), [
            '=?UTF-8?B?Wm/DqyBNw7xsbGVy?= <s@example.test>',
          ]),
          ids,
        )[0]?.email,
      ).toBe('s@example.test');
    });

    it('with several recipients nobody can tell who opted out: other for each, nobody suppressed', () => {
      const events = sesNotificationEvents(
        subscription(preferences(true), preferences(false), ['a@example.test', 'b@example.test']),
        ids,
      );
      expect(events.map((e) => [e.email, e.type])).toEqual([
        ['a@example.test', 'other'],
        ['b@example.test', 'other'],
      ]);
      expect(sesNotificationEvents(subscription(preferences(true), undefined, []), ids)).toEqual(
        [],
      );
    });
  });
});
