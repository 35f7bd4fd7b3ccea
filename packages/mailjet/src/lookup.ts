import type { DeliveryLookup, DeliveryLookupResult, SendOptions } from '@gdpr-mail/core';
import { type MailjetHttp, readIdList } from './http-client.js';

const UNKNOWN: DeliveryLookupResult = { status: 'unknown' };

/**
 * What Mailjet knows of messages the SDK sent, by `CustomID` (the idempotency
 * key, see `toMailjetMessage`): `GET /v3/REST/message?CustomID=…`. A message
 * listed there was accepted. One that is not listed is `unknown`, never
 * `not-found`: Mailjet fills that list after it has processed a message, so
 * absence is no proof that it will never be sent. A failed call is `unknown`
 * too. Never throws.
 *
 * A message sent with `metadata.customId` went out with that value as its
 * `CustomID`, not the idempotency key. A lookup is given only the Message-ID
 * and the idempotency key (core's `DeliveryLookup`), Mailjet sets its own
 * Message-ID, and its message list can be searched by `CustomID` but not by
 * `EventPayload`: such a message cannot be found here. It stays `unknown`
 * (never `not-found`, so it is never sent twice) and a person settles it.
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
