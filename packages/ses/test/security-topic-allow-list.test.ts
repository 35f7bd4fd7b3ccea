import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSesWebhookHandler,
  isSnsSigningCertUrl,
  isSnsUrl,
  type SesWebhookOptions,
} from '../src/index.js';
import {
  permanentBounce,
  setupSesWebhook,
  snsNotification,
  snsRequest,
  subscriptionConfirmation,
  TOPIC,
} from './sns-fixtures.js';
import { createSnsSigner, type SnsSigner } from './sns-signer.js';

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
});

const FOREIGN_TOPIC = 'arn:aws:sns:eu-west-1:999999999999:attacker-topic';

describe('#19 finding 1: SES topic allow-list', () => {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));

  it('REQ-28: refuses to build a handler without topicArns, with a CONFIG_INVALID naming the field', () => {
    const build = (options: unknown) => () =>
      createSesWebhookHandler(gdpr, options as SesWebhookOptions);
    for (const options of [undefined, {}, { name: 'ses' }, { topicArns: undefined }]) {
      expect(build(options)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          details: { field: 'topicArns' },
          issues: [expect.objectContaining({ path: 'topicArns' })],
          message: expect.stringContaining('topicArns'),
        }),
      );
    }
    expect(build({ topicArns: [] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field: 'topicArns' } }),
    );
  });

  it.each([
    'ses-events',
    '*',
    'arn:aws:sns:*:123456789012:*',
    'arn:aws:sns:eu-west-1:123456789012',
    'arn:aws:sqs:eu-west-1:123456789012:ses-events',
    'arn:aws:sns:eu-west-1:1234:ses-events',
    ` ${TOPIC}`,
    // A region only in its own partition.
    'arn:aws:sns:eusc-de-east-1:123456789012:ses-events',
    'arn:aws:sns:cn-north-1:123456789012:ses-events',
    'arn:aws:sns:us-gov-west-1:123456789012:ses-events',
    'arn:aws-eusc:sns:eu-west-1:123456789012:ses-events',
    'arn:aws-cn:sns:eu-west-1:123456789012:ses-events',
    'arn:aws-us-gov:sns:us-east-1:123456789012:ses-events',
    'arn:aws-eu:sns:eusc-de-east-1:123456789012:ses-events',
  ])('refuses a topicArns entry that is not one exact SNS topic ARN: %j', (arn) => {
    expect(() => createSesWebhookHandler(gdpr, { topicArns: [TOPIC, arn] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field: 'topicArns.1' } }),
    );
  });

  it.each([
    TOPIC,
    'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ses',
    'arn:aws-cn:sns:cn-north-1:123456789012:ses_events',
    'arn:aws-eusc:sns:eusc-de-east-1:123456789012:ses-events',
    'arn:aws:sns:eu-west-1:123456789012:ses-events.fifo',
  ])('accepts the topic ARN %s', (arn) => {
    expect(createSesWebhookHandler(gdpr, { topicArns: [arn] }).name).toBe('ses');
  });

  it('REQ-28: a genuine subscription confirmation from a topic not in the list is not confirmed, and nothing is fetched', async () => {
    const { handler, confirmed, fetched } = setupSesWebhook(signer);
    const body = signer.sign(subscriptionConfirmation({ TopicArn: FOREIGN_TOPIC }));
    const response = await handler.handle(snsRequest(body, 'SubscriptionConfirmation'));
    expect(response.status).toBe(401);
    expect(confirmed).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('does not visit a SubscribeURL that would confirm another topic than the allowed one it came from', async () => {
    const { handler, confirmed } = setupSesWebhook(signer);
    const foreignUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${FOREIGN_TOPIC}&Token=abc`;
    for (const SubscribeURL of [
      foreignUrl,
      `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&TopicArn=${FOREIGN_TOPIC}&Token=abc`,
      `https://sns.eu-west-1.amazonaws.com/?Action=Subscribe&TopicArn=${TOPIC}&Endpoint=x`,
      `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc`,
    ]) {
      const body = signer.sign(subscriptionConfirmation({ SubscribeURL }));
      const response = await handler.handle(snsRequest(body, 'SubscriptionConfirmation'));
      expect(response.status).toBe(400);
    }
    expect(confirmed).toEqual([]);
  });

  it('a genuine bounce from a topic not in the list suppresses nothing (401)', async () => {
    const { gdpr, handler, fetched } = setupSesWebhook(signer);
    const body = signer.sign(
      snsNotification(permanentBounce(['victim@example.org']), { TopicArn: FOREIGN_TOPIC }),
    );
    expect((await handler.handle(snsRequest(body))).status).toBe(401);
    expect(fetched).toEqual([]);
    expect(await gdpr.suppression.check('victim@example.org')).toBeUndefined();
  });
});

describe('#19 finding 1: SNS certificate host is an SNS host only', () => {
  it.each([
    // S3 names: a bucket called "sns" (virtual-hosted and legacy regional endpoints).
    'https://sns.s3.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.s3-eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.s3-external-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.s3-website-us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
    // Other shapes that are not a region.
    'https://sns.execute-api.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com./SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.com:443/SimpleNotificationService-1.pem',
    'https://SNS.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https:\\\\sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    // A .pem path must be the whole path, with no query or fragment.
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem?x=1',
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem#x',
    'https://sns.eu-west-1.amazonaws.com/?file=SimpleNotificationService-1.pem',
    'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    // A region only under its own partition's domain.
    'https://sns.eusc-de-east-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.eu-west-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.cn-north-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.cn-north-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.us-gov-west-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    'https://sns.us-gov-west-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    // European Sovereign Cloud lookalikes: other shapes, suffixes and spellings.
    'https://sns.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.s3.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.eusc-east-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.eusc-fr-east-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.eu.evil.example/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.europe/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.eu./SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.eu:443/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.eu/SimpleNotificationService-1.pem?x=1',
    'http://sns.eusc-de-east-1.amazonaws.eu/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonwebservices.eu/SimpleNotificationService-1.pem',
    // China and GovCloud lookalikes.
    'https://sns.cn-north-1.amazonaws.com.cn.evil.example/SimpleNotificationService-1.pem',
    'https://sns.cn-north-1.amazonaws.cn/SimpleNotificationService-1.pem',
    'https://sns.us-gov-west.amazonaws.com/SimpleNotificationService-1.pem',
  ])('refuses %s without fetching it, and the message changes nothing', async (url) => {
    expect(isSnsSigningCertUrl(url)).toBe(false);
    const { gdpr, handler, fetched } = setupSesWebhook(signer);
    const body = signer.sign(
      snsNotification(permanentBounce(['victim@example.org']), { SigningCertURL: url }),
    );
    expect((await handler.handle(snsRequest(body))).status).toBe(401);
    expect(fetched).toEqual([]);
    expect(await gdpr.suppression.check('victim@example.org')).toBeUndefined();
  });

  it.each([
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.ap-southeast-5.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.cn-northwest-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    'https://sns.us-gov-east-1.amazonaws.com/SimpleNotificationService-1.pem',
    'https://sns.eusc-de-east-1.amazonaws.eu/SimpleNotificationService-1.pem',
  ])('accepts the SNS certificate URL %s', (url) => {
    expect(isSnsSigningCertUrl(url)).toBe(true);
  });

  it('SubscribeURL: the same SNS-host rule (S3 names refused)', () => {
    expect(isSnsUrl('https://sns.s3.amazonaws.com/?Action=ConfirmSubscription')).toBe(false);
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')).toBe(true);
    expect(isSnsUrl('https://sns.eusc-de-east-1.amazonaws.eu/?Action=ConfirmSubscription')).toBe(
      true,
    );
    expect(isSnsUrl('https://sns.eusc-de-east-1.amazonaws.com/?Action=ConfirmSubscription')).toBe(
      false,
    );
  });
});

describe('AWS European Sovereign Cloud (aws-eusc)', () => {
  const EUSC_TOPIC = 'arn:aws-eusc:sns:eusc-de-east-1:123456789012:ses-events';
  const EUSC_CERT_URL =
    'https://sns.eusc-de-east-1.amazonaws.eu/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';

  it('confirms an eusc topic subscription and applies its signed bounces', async () => {
    const { gdpr, handler, fetched, confirmed } = setupSesWebhook(signer, {
      topicArns: [EUSC_TOPIC],
    });
    const SubscribeURL = `https://sns.eusc-de-east-1.amazonaws.eu/?Action=ConfirmSubscription&TopicArn=${EUSC_TOPIC}&Token=abc`;
    const confirmation = signer.sign(
      subscriptionConfirmation({
        TopicArn: EUSC_TOPIC,
        SubscribeURL,
        SigningCertURL: EUSC_CERT_URL,
      }),
    );
    expect(
      (await handler.handle(snsRequest(confirmation, 'SubscriptionConfirmation'))).status,
    ).toBe(200);
    expect(confirmed).toEqual([SubscribeURL]);

    const bounce = signer.sign(
      snsNotification(permanentBounce(['sovereign@example.org']), {
        TopicArn: EUSC_TOPIC,
        SigningCertURL: EUSC_CERT_URL,
      }),
    );
    expect((await handler.handle(snsRequest(bounce))).status).toBe(200);
    expect(fetched).toEqual([EUSC_CERT_URL]);
    expect((await gdpr.suppression.check('sovereign@example.org'))?.reason).toBe('hard-bounce');
  });
});
