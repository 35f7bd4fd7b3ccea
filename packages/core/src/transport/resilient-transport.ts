import type { Transport } from './transport.js';
import { type RateLimitOptions, withRateLimit } from './with-rate-limit.js';
import { type RetryOptions, withRetries } from './with-retries.js';

export interface ResilienceOptions {
  retry?: RetryOptions;
  rateLimit?: RateLimitOptions;
}

/**
 * Retries outside, rate limit inside: every retry waits for its own token, so
 * retries never push the provider past its rate.
 */
export function resilientTransport(
  transport: Transport,
  options: ResilienceOptions = {},
): Transport {
  const limited = options.rateLimit ? withRateLimit(transport, options.rateLimit) : transport;
  return withRetries(limited, options.retry);
}
