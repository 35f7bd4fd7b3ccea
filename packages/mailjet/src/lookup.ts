import type { DeliveryLookup, DeliveryLookupResult, SendOptions } from '@gdpr-mail/core';
import { type MailjetHttp, readIdList } from './http-client.js';

const UNKNOWN: DeliveryLookupResult = { status: 'unknown' };

/**
 * What Mailjet knows of messages the SDK sent, by `CustomID`:
 * `GET /v3/REST/message?CustomID=…`. A message with an idempotency key always
 * goes out with that key as its `CustomID`, `metadata.customId` or not (see
 * `toMailjetMessage`): the message list can be filtered by `CustomID` but not
 * by `EventPayload` or a header, and a lookup is given only the Message-ID
 * (which Mailjet replaces with its own) and the idempotency key. A message
 * listed there was accepted. One that is not listed is `unknown`, never
 * `not-found`: Mailjet fills that list after it has processed a message, so
 * absence is no proof that it will never be sent. A failed call is `unknown`
 * too. Never throws.
 */
export async function lookupMailjetMessages(
  http: MailjetHttp,
  queries: readonly DeliveryLookup[],
  options: SendOptions = {},
): Promise<DeliveryLookupResult[]> {
  const results: DeliveryLookupResult[] = [];
  for (const { idempotencyKey } of queries) {
    if (options.signal?.aborted) {
      results.push(UNKNOWN);
      continue;
    }
    try {
      const answer = await http.request(
        'GET',
        `/v3/REST/message?CustomID=${encodeURIComponent(idempotencyKey)}&Limit=1`,
      );
      const found = readIdList(answer)?.[0];
      results.push(
        found === undefined ? UNKNOWN : { status: 'accepted', providerMessageId: found },
      );
    } catch {
      results.push(UNKNOWN);
    }
  }
  return results;
}
