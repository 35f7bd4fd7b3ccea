import type { OutgoingMessage } from './outgoing-message.js';
import { abortedResult, type SendResult } from './send-result.js';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
import type { SendOptions, Transport } from './transport.js';
import { wrapTransport } from './wrap-transport.js';

export type RateLimitOptions = TokenBucketOptions | { bucket: TokenBucket };

/**
 * Holds each message until the token bucket lets it go. One bucket per
 * wrapped transport (pass `{ bucket }` to share one); per process, so many
 * workers divide the provider's rate between them.
 */
export function withRateLimit(transport: Transport, options: RateLimitOptions): Transport {
  const bucket = 'bucket' in options ? options.bucket : new TokenBucket(options);
  const chunkSize = Math.max(1, Math.min(bucket.burst, transport.capabilities.maxBatchSize));

  async function send(message: OutgoingMessage, sendOptions: SendOptions): Promise<SendResult> {
    if (!(await bucket.take(1, sendOptions.signal))) return abortedResult();
    return transport.send(message, sendOptions);
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    sendOptions: SendOptions,
  ): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (let start = 0; start < messages.length; start += chunkSize) {
      const chunk = messages.slice(start, start + chunkSize);
      if (!(await bucket.take(chunk.length, sendOptions.signal))) {
        while (results.length < messages.length) results.push(abortedResult());
        return results;
      }
      results.push(...(await transport.sendBatch(chunk, sendOptions)));
    }
    return results;
  }

  return wrapTransport(transport, { send, sendBatch });
}
