import type { WebhookFixtureEvent } from '@gdpr-mail/core/testing';
import { runWebhookConformance } from '@gdpr-mail/core/testing';
import { beforeAll } from 'vitest';
import { createSesWebhookHandler, type SnsMessage } from '../src/index.js';
import {
  CERT_URL,
  complaintFrom,
  permanentBounce,
  snsNotification,
  snsRequest,
  TOPIC,
} from './sns-fixtures.js';
import { createSnsSigner, type SnsSigner } from './sns-signer.js';

let signer: SnsSigner;
let otherSigner: SnsSigner;
beforeAll(async () => {
  [signer, otherSigner] = await Promise.all([createSnsSigner(), createSnsSigner()]);
});

/** The SES notification (the SNS `Message`) for events of one type. */
function sesEvent(events: readonly WebhookFixtureEvent[]) {
  const emails = events.map((event) => event.email);
  switch (events[0]?.type) {
    case 'complaint':
      return complaintFrom(emails);
    case 'unknown':
      // An event type SES might add one day: acknowledged, never a suppression.
      return {
        eventType: 'QuantumEntanglement',
        mail: { messageId: '0102018f-ses-message-new', destination: emails },
      };
    default:
      return permanentBounce(emails);
  }
}

// REQ-28: the SNS endpoint passes the suite every webhook handler passes.
runWebhookConformance('ses', {
  makeHandler: (gdpr) =>
    createSesWebhookHandler(gdpr, {
      topicArns: [TOPIC],
      fetchCertificate: async () => signer.certificatePem,
      confirmSubscription: async () => {},
    }),
  genuine: (events) => snsRequest(signer.sign(snsNotification(sesEvent(events)))),
  forged(events) {
    const notification = snsNotification(sesEvent(events));
    const harmless = JSON.parse(
      signer.sign(snsNotification({ eventType: 'Delivery', mail: { destination: [] } })),
    ) as SnsMessage;
    return {
      'signed with another key': snsRequest(otherSigner.sign(notification)),
      'a genuine message with its body swapped': snsRequest(
        JSON.stringify({ ...harmless, Message: notification.Message }),
      ),
      'genuinely signed, from a topic not allowed': snsRequest(
        signer.sign({ ...notification, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:other' }),
      ),
      'a certificate URL outside Amazon SNS': snsRequest(
        signer.sign({
          ...notification,
          SigningCertURL: CERT_URL.replace('amazonaws.com', 'amazonaws.com.evil.example'),
        }),
      ),
    };
  },
});
