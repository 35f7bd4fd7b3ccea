/** The SNS envelope types an HTTP(S) subscription receives. */
export type SnsMessageType =
  | 'Notification'
  | 'SubscriptionConfirmation'
  | 'UnsubscribeConfirmation';

/** An SNS HTTP(S) message as posted to the endpoint (raw message delivery off). */
export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation only. */
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

const TYPES: readonly string[] = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
];
const REQUIRED = [
  'MessageId',
  'TopicArn',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
] as const;

/** Parses the raw body; `undefined` when it is not a well-formed SNS message. */
export function parseSnsMessage(rawBody: string): SnsMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Type !== 'string' || !TYPES.includes(record.Type)) return undefined;
  for (const field of REQUIRED) if (typeof record[field] !== 'string') return undefined;
  for (const field of ['Subject', 'SubscribeURL', 'Token', 'UnsubscribeURL']) {
    if (
      record[field] !== undefined &&
      record[field] !== null &&
      typeof record[field] !== 'string'
    ) {
      return undefined;
    }
  }
  if (record.Type !== 'Notification') {
    if (typeof record.SubscribeURL !== 'string' || typeof record.Token !== 'string')
      return undefined;
  }
  return record as unknown as SnsMessage;
}

/**
 * The string SNS signs, per the AWS documentation: `Name\nValue\n` for each
 * field in this order. Notification: Message, MessageId, Subject (when
 * present), Timestamp, TopicArn, Type. (Un)SubscriptionConfirmation: Message,
 * MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
 */
export function snsStringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : ([
          'Message',
          'MessageId',
          'SubscribeURL',
          'Timestamp',
          'Token',
          'TopicArn',
          'Type',
        ] as const);
  let out = '';
  for (const field of fields) {
    const value = message[field];
    if (field === 'Subject' && (value === undefined || value === null)) continue;
    out += `${field}\n${value ?? ''}\n`;
  }
  return out;
}
