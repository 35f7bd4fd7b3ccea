import type { DeliveryLookup, DeliveryLookupResult, SendOptions } from '@gdpr-mail/core';
import { z } from 'zod';
import type { MailjetHttp } from '../http/mailjet-http.js';
import { parseJsonKeepingIds } from '../json-big-int.js';

const messageList = z.looseObject({
  Data: z.array(z.looseObject({ ID: z.union([z.string(), z.number()]).transform(String) })),
});

const UNKNOWN: DeliveryLookupResult = { status: 'unknown' };

/**
 * What Mailjet knows of messages the SDK sent, by `CustomID` (the idempotency
 * key, see `toMailjetMessage`): `GET /v3/REST/message?CustomID=…`. A message
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
      const parsed =
        answer.status === 200 && answer.text !== undefined
          ? messageList.safeParse(parseJsonKeepingIds(answer.text))
          : undefined;
      const found = parsed?.success ? parsed.data.Data[0] : undefined;
      results.push(found ? { status: 'accepted', providerMessageId: found.ID } : UNKNOWN);
    } catch {
      results.push(UNKNOWN);
    }
  }
  return results;
}
