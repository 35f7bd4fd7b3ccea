import { randomFillSync } from 'node:crypto';

const NONCE_BYTES = 16;
const POOL_SIZE = NONCE_BYTES * 256;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * 128 random bits, base64url. One randomFillSync per 256 nonces: a system call
 * per token would be most of the cost of signing one.
 */
export function randomNonce(): string {
  if (offset >= POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const nonce = pool.toString('base64url', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}
