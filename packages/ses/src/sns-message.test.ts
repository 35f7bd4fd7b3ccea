import { describe, expect, it } from 'vitest';
import { parseSnsMessage, type SnsMessage, snsStringToSign } from './sns-message.js';

const base = {
  MessageId: 'mid',
  TopicArn: 'arn:aws:sns:eu-west-1:1:t',
  Message: 'hello\nworld',
  Timestamp: '2026-12-04T00:00:00.000Z',
  SignatureVersion: '2',
  Signature: 'c2ln',
  SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/a.pem',
};

describe('SNS string to sign', () => {
  it('Notification: Message, MessageId, Subject when present, Timestamp, TopicArn, Type', () => {
    const message = { ...base, Type: 'Notification' } as SnsMessage;
    expect(snsStringToSign(message)).toBe(
      'Message\nhello\nworld\nMessageId\nmid\nTimestamp\n2026-12-04T00:00:00.000Z\nTopicArn\narn:aws:sns:eu-west-1:1:t\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...message, Subject: 'S' })).toBe(
      'Message\nhello\nworld\nMessageId\nmid\nSubject\nS\nTimestamp\n2026-12-04T00:00:00.000Z\nTopicArn\narn:aws:sns:eu-west-1:1:t\nType\nNotification\n',
    );
  });

  it('SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type', () => {
    const message = {
      ...base,
      Type: 'SubscriptionConfirmation',
      SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription',
      Token: 'tok',
      Subject: 'ignored here',
    } as SnsMessage;
    expect(snsStringToSign(message)).toBe(
      'Message\nhello\nworld\nMessageId\nmid\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\n2026-12-04T00:00:00.000Z\nToken\ntok\nTopicArn\narn:aws:sns:eu-west-1:1:t\nType\nSubscriptionConfirmation\n',
    );
  });
});

describe('parseSnsMessage', () => {
  it('accepts a well-formed message and refuses the rest', () => {
    expect(parseSnsMessage(JSON.stringify({ ...base, Type: 'Notification' }))?.MessageId).toBe(
      'mid',
    );
    expect(parseSnsMessage('[]')).toBeUndefined();
    expect(parseSnsMessage('{')).toBeUndefined();
    expect(parseSnsMessage(JSON.stringify({ ...base, Type: 'Other' }))).toBeUndefined();
    expect(
      parseSnsMessage(JSON.stringify({ ...base, Type: 'Notification', Message: 1 })),
    ).toBeUndefined();
    // A confirmation needs its SubscribeURL and Token.
    expect(
      parseSnsMessage(JSON.stringify({ ...base, Type: 'SubscriptionConfirmation' })),
    ).toBeUndefined();
  });
});
