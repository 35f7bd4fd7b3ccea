import type { DeliveryLookup, DeliveryLookupResult, SendOptions } from '@gdpr-mail/core';
import { type BrevoHttp, readJson } from './http-client.js';

const UNKNOWN: DeliveryLookupResult = { status: 'unknown' };

/** The `messageId`s of a `GET /v3/smtp/emails` answer, or undefined when it is not one. */
function listedIds(json: unknown): string[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const list = (json as { transactionalEmails?: unknown }).transactionalEmails;
  // Brevo leaves the list out, or sends it as null, when it is empty.
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return undefined;
  return list
    .map((entry) => (entry as { messageId?: unknown } | null)?.messageId)
    .filter((id): id is string => typeof id === 'string');
}

/**
 * What Brevo knows of messages the SDK sent, by the Message-Id they went out
 * with (`GET /v3/smtp/emails?messageId=…`, the transactional log of the last
 * 30 days). Listed: accepted. Not listed: `unknown`, never `not-found`, since
 * Brevo fills its log after it has processed a message. A failed call, or a
 * transport that does not send the Message-Id header, answers `unknown` too.
 * Never throws.
 */
export async function lookupBrevoMessages(
  http: BrevoHttp,
  queries: readonly DeliveryLookup[],
  messageIdHeader: boolean,
  options: SendOptions = {},
): Promise<DeliveryLookupResult[]> {
  const results: DeliveryLookupResult[] = [];
  for (const { messageId } of queries) {
    if (!messageIdHeader || options.signal?.aborted) {
      results.push(UNKNOWN);
      continue;
    }
    try {
      const answer = await http.request(
        'GET',
        `/v3/smtp/emails?messageId=${encodeURIComponent(messageId)}`,
      );
      const found = answer.status === 200 && listedIds(readJson(answer))?.includes(messageId);
      results.push(found ? { status: 'accepted', providerMessageId: messageId } : UNKNOWN);
    } catch {
      results.push(UNKNOWN);
    }
  }
  return results;
}
