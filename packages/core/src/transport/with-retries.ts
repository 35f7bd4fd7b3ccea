import { abortableSleep, type Sleep } from './abortable-sleep.js';
import type { OutgoingMessage } from './outgoing-message.js';
import type { SendResult } from './send-result.js';
import type { SendOptions, Transport } from './transport.js';
import { wrapTransport } from './wrap-transport.js';

export interface RetryOptions {
  /** Calls per message, the first one included. Default 3. */
  maxAttempts?: number;
  /** Backoff cap for the first retry; doubles each time. Default 250 ms. */
  baseDelayMs?: number;
  /**
   * Longest wait between two attempts. A provider asking for a longer
   * `retryAfterMs` gets its failure back instead: a queue should reschedule
   * it rather than a caller waiting minutes. Default 30 s.
   */
  maxDelayMs?: number;
  /** Injected in tests; resolves `false` when the signal aborted the wait. */
  sleep?: Sleep;
  /** Injected in tests; a number in [0, 1). */
  random?: () => number;
}

/**
 * "Full jitter" (AWS architecture blog): a uniform draw between 0 and the
 * exponential cap, so clients that failed together do not retry together.
 */
export function fullJitterDelay(
  failedAttempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * cap);
}

interface Resolved {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: Sleep;
  random: () => number;
}

/** The wait before retrying `result`, or `undefined` when it must not be retried. */
function retryDelay(result: SendResult, failedAttempt: number, o: Resolved): number | undefined {
  // `ambiguous` is never retried: the provider may already have the message.
  if (result.status !== 'failed' || !result.error.retryable) return undefined;
  if (failedAttempt >= o.maxAttempts) return undefined;
  const hint = result.error.retryAfterMs ?? 0;
  if (hint > o.maxDelayMs) return undefined;
  return Math.max(hint, fullJitterDelay(failedAttempt, o.baseDelayMs, o.maxDelayMs, o.random));
}

function stamp(result: SendResult | undefined, attempts: number): SendResult {
  if (result === undefined) {
    // Only a driver that breaks the one-result-per-message contract gets here.
    return {
      status: 'failed',
      error: {
        category: 'transient',
        retryable: false,
        message: 'The transport returned no result for this message.',
      },
      attempts,
    };
  }
  return { ...result, attempts };
}

/**
 * Retries retryable failures with exponential backoff and full jitter, honours
 * `retryAfterMs`, never retries `ambiguous`, stops when the signal aborts (the
 * last result is returned). Each result carries `attempts`.
 */
export function withRetries(transport: Transport, options: RetryOptions = {}): Transport {
  const o: Resolved = {
    maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 3)),
    baseDelayMs: options.baseDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    sleep: options.sleep ?? abortableSleep,
    random: options.random ?? Math.random,
  };

  async function send(message: OutgoingMessage, sendOptions: SendOptions): Promise<SendResult> {
    let attempt = 1;
    let result = stamp(await transport.send(message, sendOptions), attempt);
    for (;;) {
      const delay = retryDelay(result, attempt, o);
      if (delay === undefined) return result;
      if (!(await o.sleep(delay, sendOptions.signal))) return result;
      attempt += 1;
      result = stamp(await transport.send(message, sendOptions), attempt);
    }
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    sendOptions: SendOptions,
  ): Promise<SendResult[]> {
    if (messages.length === 0) return [];
    const first = await transport.sendBatch(messages, sendOptions);
    const results = messages.map((_, i) => stamp(first[i], 1));
    let attempt = 1;
    for (;;) {
      // Only the messages that failed retryably go again, never the whole batch.
      let delay = 0;
      const pending: number[] = [];
      results.forEach((result, i) => {
        const wait = retryDelay(result, attempt, o);
        if (wait === undefined) return;
        pending.push(i);
        delay = Math.max(delay, wait);
      });
      if (pending.length === 0) return results;
      if (!(await o.sleep(delay, sendOptions.signal))) return results;
      attempt += 1;
      const again = await transport.sendBatch(
        pending.map((i) => messages[i] as OutgoingMessage),
        sendOptions,
      );
      pending.forEach((index, j) => {
        results[index] = stamp(again[j], attempt);
      });
    }
  }

  return wrapTransport(transport, { send, sendBatch });
}
