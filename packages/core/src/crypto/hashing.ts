import type { KeyObject } from 'node:crypto';
import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}

/**
 * A keyed hash separated by domain, so the same address hashed for the
 * suppression list and for subject lookup gives unrelated values.
 */
export function keyedHash(pepper: string | KeyObject, domain: string, value: string): string {
  return createHmac('sha256', pepper).update(domain).update('\u0000').update(value).digest('hex');
}

/**
 * The pepper imported once as a key: `keyedHash` with a string key imports it
 * again on every call, which was a quarter of a `canSend`. Same hashes.
 */
export function pepperKey(pepper: string): KeyObject {
  return createSecretKey(Buffer.from(pepper, 'utf8'));
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
