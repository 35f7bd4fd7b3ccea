import { createGdprMail, MemoryStore, type WebhookRequest } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSesWebhookHandler, type SesWebhookOptions, type SnsMessage } from '../src/index.js';
import { createSnsSigner, type SnsSigner } from './sns-signer.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
const CERT_URL =
  'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';

let signer: SnsSigner;
let otherSigner: SnsSigner;
beforeAll(async () => {
  [signer, otherSigner] = await Promise.all([createSnsSigner(), createSnsSigner()]);
});

function setup(options: Partial<SesWebhookOptions> = {}) {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const fetched: string[] = [];
  const confirmed: string[] = [];
  const handler = createSesWebhookHandler(gdpr, {
    topicArns: [TOPIC],
    fetchCertificate: async (url) => {
      fetched.push(url);
      return signer.certificatePem;
    },
    confirmSubscription: async (url) => {
      confirmed.push(url);
    },
    ...options,
  });
  return { gdpr, handler, fetched, confirmed };
}

async function auditCount(gdpr: ReturnType<typeof setup>['gdpr']): Promise<number> {
  let count = 0;
  for await (const _ of gdpr.audit.entries()) count += 1;
  return count;
}

function request(rawBody: string, type = 'Notification'): WebhookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type },
    query: {},
    rawBody,
  };
}

let sequence = 0;
function notification(
  sesEvent: unknown,
  overrides: Partial<SnsMessage> = {},
): Omit<SnsMessage, 'Signature' | 'SignatureVersion'> {
  sequence += 1;
  return {
    Type: 'Notification',
    MessageId: `22b80b92-fdea-4c2c-8f9d-bdfb0c7b${String(sequence).padStart(4, '0')}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(sesEvent),
    Timestamp: new Date().toISOString(),
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:sub`,
    ...overrides,
  };
}

function bounce(email: string, bounceType: 'Permanent' | 'Transient' | 'Undetermined') {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [
        {
          emailAddress: email,
          action: 'failed',
          status: bounceType === 'Permanent' ? '5.1.1' : '4.2.2',
          diagnosticCode: `smtp; 550 5.1.1 <${email}>: user unknown`,
        },
      ],
      timestamp: '2026-12-04T01:59:58.000Z',
      feedbackId: 'feedback-1',
    },
    mail: {
      messageId: '0102018f-ses-message-id',
      source: 'news@shop.example',
      destination: [email],
      timestamp: '2026-12-04T01:59:57.000Z',
    },
  };
}

function complaint(email: string) {
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: email }],
      complaintFeedbackType: 'abuse',
      timestamp: '2026-12-04T02:00:00.000Z',
      feedbackId: 'feedback-2',
    },
    mail: { messageId: '0102018f-ses-message-2', destination: [email] },
  };
}

describe('SES SNS webhook: genuine notifications', () => {
  it.each(['1', '2'] as const)(
    'REQ-28: a Permanent bounce signed with SignatureVersion %s suppresses the address',
    async (version) => {
      const { gdpr, handler } = setup();
      const body = signer.sign(notification(bounce('Jane@Example.com', 'Permanent')), version);
      const response = await handler.handle(request(body));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body ?? '{}')).toEqual({ outcomes: ['suppressed'] });
      expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
    },
  );

  it('REQ-13, REQ-28: a complaint (configuration-set event) suppresses the address as a complaint', async () => {
    const { gdpr, handler } = setup();
    const response = await handler.handle(
      request(signer.sign(notification(complaint('ada@example.test')))),
    );
    expect(response.status).toBe(200);
    expect((await gdpr.suppression.check('ada@example.test'))?.reason).toBe('complaint');
  });

  it('an unsubscribe through SES list management (Subscription event) suppresses the recipient for marketing', async () => {
    const { gdpr, handler } = setup();
    await gdpr.consent.record({
      email: 'leaver@example.test',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const event = {
      eventType: 'Subscription',
      mail: {
        timestamp: '2026-12-04T01:50:00.000Z',
        source: 'news@shop.example',
        messageId: '0102018f-ses-message-sub',
        destination: ['leaver@example.test'],
      },
      subscription: {
        contactList: 'newsletter',
        timestamp: '2026-12-04T02:00:00.000Z',
        source: 'UnsubscribeHeader',
        newTopicPreferences: {
          unsubscribeAll: true,
          topicSubscriptionStatus: [{ topicName: 'news', subscriptionStatus: 'OptOut' }],
        },
        oldTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 'news', subscriptionStatus: 'OptIn' }],
        },
      },
    };
    const body = signer.sign(notification(event));
    const response = await handler.handle(request(body));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ outcomes: ['suppressed'] });
    expect((await gdpr.suppression.check('leaver@example.test'))?.reason).toBe('unsubscribed-all');
    expect((await gdpr.canSend('leaver@example.test', 'newsletter')).allowed).toBe(false);
    // SNS redelivers: nothing changes.
    const replay = await handler.handle(request(body));
    expect(JSON.parse(replay.body ?? '{}')).toEqual({ outcomes: ['already-suppressed'] });
  });

  it('a Transient bounce and a delivery are acknowledged and suppress nothing', async () => {
    const { gdpr, handler } = setup();
    const soft = await handler.handle(
      request(signer.sign(notification(bounce('soft@example.test', 'Transient')))),
    );
    expect(JSON.parse(soft.body ?? '{}')).toEqual({ outcomes: ['ignored'] });
    const delivery = {
      eventType: 'Delivery',
      delivery: { recipients: ['ok@example.test'], smtpResponse: '250 ok' },
      mail: { messageId: 'm-3', destination: ['ok@example.test'] },
    };
    const delivered = await handler.handle(request(signer.sign(notification(delivery))));
    expect(delivered.status).toBe(200);
    expect(await gdpr.suppression.check('soft@example.test')).toBeUndefined();
    expect(await gdpr.suppression.check('ok@example.test')).toBeUndefined();
  });

  it('REQ-28: a replayed notification (same MessageId) is idempotent: no second audit entry', async () => {
    const { gdpr, handler } = setup();
    const body = signer.sign(notification(bounce('jane@example.com', 'Permanent')));
    expect((await handler.handle(request(body))).status).toBe(200);
    const entries = await auditCount(gdpr);
    const replay = await handler.handle(request(body));
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body ?? '{}')).toEqual({ outcomes: ['already-suppressed'] });
    expect(await auditCount(gdpr)).toBe(entries);
    expect((await gdpr.audit.verify()).ok).toBe(true);
  });

  it('fetches the signing certificate once and reuses it', async () => {
    const { handler, fetched } = setup();
    for (const email of ['a@example.test', 'b@example.test']) {
      await handler.handle(request(signer.sign(notification(bounce(email, 'Permanent')))));
    }
    expect(fetched).toEqual([CERT_URL]);
  });

  it('verifies a message with a Subject (it is part of the signed string)', async () => {
    const { gdpr, handler } = setup();
    const body = signer.sign(
      notification(bounce('subj@example.test', 'Permanent'), { Subject: 'Amazon SES Bounce' }),
    );
    expect((await handler.handle(request(body))).status).toBe(200);
    expect((await gdpr.suppression.check('subj@example.test'))?.reason).toBe('hard-bounce');
  });
});

describe('SES SNS webhook: forged messages change nothing', () => {
  it('refuses a message signed with another key (401)', async () => {
    const { gdpr, handler } = setup();
    const forged = otherSigner.sign(notification(bounce('jane@example.com', 'Permanent')));
    const response = await handler.handle(request(forged));
    expect(response.status).toBe(401);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
    expect(await auditCount(gdpr)).toBe(0);
  });

  it('refuses a genuine message whose body was tampered with (401)', async () => {
    const { gdpr, handler } = setup();
    const genuine = JSON.parse(
      signer.sign(notification(bounce('attacker@example.test', 'Transient'))),
    ) as SnsMessage;
    const tampered = {
      ...genuine,
      Message: JSON.stringify(bounce('victim@example.test', 'Permanent')),
    };
    expect((await handler.handle(request(JSON.stringify(tampered)))).status).toBe(401);
    const retyped = { ...genuine, Subject: 'added later' };
    expect((await handler.handle(request(JSON.stringify(retyped)))).status).toBe(401);
    expect(await gdpr.suppression.check('victim@example.test')).toBeUndefined();
    expect(await auditCount(gdpr)).toBe(0);
  });

  it.each([
    'https://evil.example/SimpleNotificationService-1.pem',
    'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-1.pem',
    'https://user@sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.txt',
  ])('refuses a foreign SigningCertURL without fetching it: %s', async (url) => {
    const { gdpr, handler, fetched } = setup();
    const body = signer.sign(
      notification(bounce('jane@example.com', 'Permanent'), { SigningCertURL: url }),
    );
    expect((await handler.handle(request(body))).status).toBe(401);
    expect(fetched).toEqual([]);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
  });

  it('accepts a China-region SNS certificate URL', async () => {
    const { handler } = setup();
    const url = 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem';
    const body = signer.sign(
      notification(bounce('cn@example.test', 'Permanent'), { SigningCertURL: url }),
    );
    expect((await handler.handle(request(body))).status).toBe(200);
  });

  it('refuses a genuine message from a topic that is not allowed (401)', async () => {
    const { gdpr, handler, fetched } = setup();
    const body = signer.sign(
      notification(bounce('jane@example.com', 'Permanent'), {
        TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else',
      }),
    );
    expect((await handler.handle(request(body))).status).toBe(401);
    expect(fetched).toEqual([]);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
  });

  it('refuses a genuine message replayed after the redelivery window, once the suppression was lifted (401)', async () => {
    // SNS stops redelivering within an hour: a signed message seen again days later is a
    // replay of a captured body, and must not put back a suppression the operator lifted.
    const captured = signer.sign(
      notification(bounce('jane@example.com', 'Permanent'), {
        Timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      }),
    );
    const { gdpr, handler, fetched } = setup();
    await gdpr.suppression.add('jane@example.com', 'hard-bounce');
    await gdpr.suppression.remove('jane@example.com');
    const before = await auditCount(gdpr);
    expect((await handler.handle(request(captured))).status).toBe(401);
    expect(fetched).toEqual([]);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
    expect(await auditCount(gdpr)).toBe(before);
    // A Timestamp far in the future, or not SNS's ISO form, is refused the same way.
    for (const Timestamp of [
      new Date(Date.now() + 3_600_000).toISOString(),
      'Mon, 07 Dec 2026 12:00:00 GMT',
    ]) {
      const body = signer.sign(
        notification(bounce('jane@example.com', 'Permanent'), { Timestamp }),
      );
      expect((await handler.handle(request(body))).status).toBe(401);
    }
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
    // Within the window (SNS's own redeliveries), it is applied.
    const recent = signer.sign(
      notification(bounce('jane@example.com', 'Permanent'), {
        Timestamp: new Date(Date.now() - 50 * 60_000).toISOString(),
      }),
    );
    expect((await handler.handle(request(recent))).status).toBe(200);
    expect((await gdpr.suppression.check('jane@example.com'))?.reason).toBe('hard-bounce');
  });

  it('refuses a certificate that is expired (401)', async () => {
    const expired = await createSnsSigner({
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const { gdpr, handler } = setup({ fetchCertificate: async () => expired.certificatePem });
    const body = expired.sign(notification(bounce('jane@example.com', 'Permanent')));
    expect((await handler.handle(request(body))).status).toBe(401);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
  });

  it('answers 503 when the certificate cannot be fetched, and tries again next time', async () => {
    let attempts = 0;
    const { gdpr, handler } = setup({
      fetchCertificate: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('network down');
        return signer.certificatePem;
      },
    });
    const body = signer.sign(notification(bounce('jane@example.com', 'Permanent')));
    expect((await handler.handle(request(body))).status).toBe(503);
    expect(await gdpr.suppression.check('jane@example.com')).toBeUndefined();
    expect((await handler.handle(request(body))).status).toBe(200);
    expect(attempts).toBe(2);
  });

  it('answers 400 to malformed bodies, unknown signature versions and a mismatched type header; 405 to GET', async () => {
    const { handler } = setup();
    expect((await handler.handle(request('not json'))).status).toBe(400);
    expect((await handler.handle(request('{"Type":"Notification"}'))).status).toBe(400);
    const genuine = JSON.parse(
      signer.sign(notification(bounce('x@example.test', 'Permanent'))),
    ) as SnsMessage;
    expect(
      (await handler.handle(request(JSON.stringify({ ...genuine, SignatureVersion: '3' })))).status,
    ).toBe(400);
    expect(
      (await handler.handle(request(JSON.stringify(genuine), 'SubscriptionConfirmation'))).status,
    ).toBe(400);
    expect((await handler.handle({ ...request(''), method: 'GET' })).status).toBe(405);
  });
});

describe('SES SNS webhook: options', () => {
  it('is named ses by default and refuses a name that is not a URL segment', () => {
    expect(setup().handler.name).toBe('ses');
    expect(setup({ name: 'ses-eu' }).handler.name).toBe('ses-eu');
    expect(() => setup({ name: 'SES/x' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('checks certificate validity against the injected clock', async () => {
    const { handler } = setup({ now: () => new Date(Date.now() + 2 * 86_400_000) });
    const body = signer.sign(notification(bounce('late@example.test', 'Permanent')));
    expect((await handler.handle(request(body))).status).toBe(401);
  });
});

describe('SES SNS webhook: subscription confirmation', () => {
  function confirmation(overrides: Partial<SnsMessage> = {}) {
    return {
      Type: 'SubscriptionConfirmation' as const,
      MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
      Token:
        '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
      TopicArn: TOPIC,
      Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37`,
      Timestamp: new Date().toISOString(),
      SigningCertURL: CERT_URL,
      ...overrides,
    };
  }

  it('visits the SubscribeURL of a genuine confirmation from an allowed topic', async () => {
    const { handler, confirmed } = setup();
    const body = signer.sign(confirmation(), '1');
    const response = await handler.handle(request(body, 'SubscriptionConfirmation'));
    expect(response.status).toBe(200);
    expect(confirmed).toEqual([confirmation().SubscribeURL]);
  });

  it('does not visit the SubscribeURL of a forged confirmation, a foreign URL, or a foreign topic', async () => {
    const { handler, confirmed } = setup();
    const forged = otherSigner.sign(confirmation());
    expect((await handler.handle(request(forged, 'SubscriptionConfirmation'))).status).toBe(401);
    const foreignUrl = signer.sign(
      confirmation({ SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' }),
    );
    expect((await handler.handle(request(foreignUrl, 'SubscriptionConfirmation'))).status).toBe(
      400,
    );
    const foreignTopic = signer.sign(
      confirmation({ TopicArn: 'arn:aws:sns:eu-west-1:999999999999:other' }),
    );
    expect((await handler.handle(request(foreignTopic, 'SubscriptionConfirmation'))).status).toBe(
      401,
    );
    // The Token is signed: changing it after signing breaks the signature.
    const genuine = JSON.parse(signer.sign(confirmation())) as SnsMessage;
    const swapped = JSON.stringify({ ...genuine, Token: 'other-token' });
    expect((await handler.handle(request(swapped, 'SubscriptionConfirmation'))).status).toBe(401);
    expect(confirmed).toEqual([]);
  });

  it('leaves confirmation to the operator with autoConfirm: false', async () => {
    const { handler, confirmed } = setup({ autoConfirm: false });
    const body = signer.sign(confirmation());
    expect((await handler.handle(request(body, 'SubscriptionConfirmation'))).status).toBe(200);
    expect(confirmed).toEqual([]);
  });

  it('answers 502 when visiting the SubscribeURL fails, so SNS sends it again', async () => {
    const { handler } = setup({
      confirmSubscription: async () => {
        throw new Error('down');
      },
    });
    const body = signer.sign(confirmation());
    expect((await handler.handle(request(body, 'SubscriptionConfirmation'))).status).toBe(502);
  });
});
