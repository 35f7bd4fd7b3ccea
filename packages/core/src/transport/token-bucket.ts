import { AsyncMutex } from '../store/async-mutex.js';
import { abortableSleep, type Sleep } from './abortable-sleep.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many can go at once after a pause. Default `ratePerSecond` (at least 1). */
  burst?: number;
  /** Milliseconds clock, injected in tests. Default `performance.now`. */
  now?: () => number;
  /** Injected in tests alongside `now`. */
  sleep?: Sleep;
}

// Floating-point refills can land a hair under a whole token.
const EPSILON = 1e-9;

/**
 * A token bucket for one process. Waiters are served first come, first
 * served, so a large batch cannot be starved by single sends.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly queue = new AsyncMutex();

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError('ratePerSecond must be a positive number.');
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, Math.floor(options.burst ?? options.ratePerSecond));
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? abortableSleep;
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Waits for `count` tokens (at most `burst`); resolves `false` if the signal aborted first. */
  take(count = 1, signal?: AbortSignal): Promise<boolean> {
    if (count > this.burst) {
      throw new RangeError(`Cannot take ${count} tokens from a bucket of ${this.burst}.`);
    }
    return this.queue.run(async () => {
      for (;;) {
        if (signal?.aborted) return false;
        this.refill();
        if (this.tokens + EPSILON >= count) {
          this.tokens = Math.max(0, this.tokens - count);
          return true;
        }
        const waitMs = Math.ceil(((count - this.tokens) / this.ratePerSecond) * 1000);
        if (!(await this.sleep(waitMs, signal))) return false;
      }
    });
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
  }
}
