import { describe, expect, it } from 'vitest';
import type { BrevoHttp, HttpAnswer } from './http-client.js';
import { lookupBrevoMessages } from './lookup.js';

/** A `BrevoHttp` that answers every call with `text` (HTTP 200). */
function answering(text: string): BrevoHttp {
  const answer: HttpAnswer = { status: 200, headers: {}, text };
  return { request: async () => answer } as unknown as BrevoHttp;
}

const query = { messageId: '<m-1@shop.example>', idempotencyKey: 'campaign:c1:news:s1' };

describe('lookupBrevoMessages', () => {
  it('reads a list sent as null, and entries or ids sent as null, as nothing listed: unknown', async () => {
    for (const text of [
      '{"count":0,"transactionalEmails":null}',
      '{"count":1,"transactionalEmails":[null]}',
      '{"count":1,"transactionalEmails":[{"messageId":null,"uuid":"u"}]}',
      '{"count":0}',
      'null',
    ]) {
      expect(await lookupBrevoMessages(answering(text), [query], true)).toEqual([
        { status: 'unknown' },
      ]);
    }
  });

  it('finds the message among entries whose optional fields are null', async () => {
    const text = JSON.stringify({
      count: 2,
      transactionalEmails: [
        { messageId: null, uuid: null, tags: null },
        { messageId: query.messageId, uuid: 'u-1', templateId: null, tags: null },
      ],
    });
    expect(await lookupBrevoMessages(answering(text), [query], true)).toEqual([
      { status: 'accepted', providerMessageId: query.messageId },
    ]);
  });
});
