import { createGdprMail, MemoryStore, type WebhookRequest } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { createSesWebhookHandler, type SesWebhookOptions, type SnsMessage } from '../src/index.js';
import type { SnsSigner } from './sns-signer.js';

/** Shared by the security tests of the SES webhook (issue #19). */
export const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
export const CERT_URL =
  'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';

export function setupSesWebhook(signer: SnsSigner, options: Partial<SesWebhookOptions> = {}) {
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

export function snsRequest(rawBody: string, type = 'Notification'): WebhookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type },
    query: {},
    rawBody,
  };
}

let sequence = 0;
export function snsNotification(
  sesEvent: unknown,
  overrides: Partial<SnsMessage> = {},
): Omit<SnsMessage, 'Signature' | 'SignatureVersion'> {
  sequence += 1;
  return {
    Type: 'Notification',
    MessageId: `7f1c2a44-5d1e-4c8a-9a51-0c3e5b7d${String(sequence).padStart(4, '0')}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(sesEvent),
    Timestamp: new Date().toISOString(),
    SigningCertURL: CERT_URL,
    ...overrides,
  };
}

export function subscriptionConfirmation(
  overrides: Partial<SnsMessage> = {},
): Omit<SnsMessage, 'Signature' | 'SignatureVersion'> {
  const topic = overrides.TopicArn ?? TOPIC;
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92',
    TopicArn: topic,
    Message: `You have chosen to subscribe to the topic ${topic}.`,
    SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=2336412f37`,
    Timestamp: new Date().toISOString(),
    SigningCertURL: CERT_URL,
    ...overrides,
  };
}

/** An SES bounce notification listing `emails` as bounced recipients. */
export function permanentBounce(emails: readonly string[]) {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: emails.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
      })),
      timestamp: '2026-12-04T01:59:58.000Z',
      feedbackId: 'feedback-sec',
    },
    mail: {
      messageId: '0102018f-ses-message-sec',
      source: 'news@shop.example',
      destination: [...emails],
      timestamp: '2026-12-04T01:59:57.000Z',
    },
  };
}

/** An SES complaint (configuration-set event publishing) from `emails`. */
export function complaintFrom(emails: readonly string[]) {
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: emails.map((emailAddress) => ({ emailAddress })),
      complaintFeedbackType: 'abuse',
      timestamp: '2026-12-04T02:00:00.000Z',
      feedbackId: 'feedback-complaint',
    },
    mail: { messageId: '0102018f-ses-message-complaint', destination: [...emails] },
  };
}
