import { randomFillSync } from 'node:crypto';

const NONCE_BYTES = 16;
const POOL_SIZE = NONCE_BYTES * 256;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * 128 random bits, base64url. One randomFillSync per 256 nonces: a system call
 * per token would be most of the cost of signing one. Each nonce is a string of
 * its own, fit to be kept in a record.
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

// A second, separate pool, kept as text: 1,024 nonces of 22 base64url characters
// (132 random bits each) encoded in one go, so a nonce is one slice of it. A
// randomFillSync costs about as much for 16 kB as for 4 kB (its fixed cost
// dominates), so the larger pool spends a quarter of it per nonce.
const TEXT_NONCE_LENGTH = 22;
const TEXT_NONCES = 1024;
// 22 * 1,024 characters = 22,528, which base64url spells from exactly 16,896 bytes (no padding).
const textBytes = Buffer.alloc((TEXT_NONCE_LENGTH * TEXT_NONCES * 3) / 4);
let text = '';
let textOffset = 0;

/**
 * A nonce as random as `randomNonce()`'s (22 base64url characters, all random),
 * for a token that `sign` builds and hands out as a whole: a slice of a pooled
 * text instead of a base64 encoding per token. The slice shares the pool's text
 * (22.5 kB per 1,024 nonces), so it is not for nonces kept apart from their token.
 */
export function tokenNonce(): string {
  if (textOffset >= text.length) {
    randomFillSync(textBytes);
    text = textBytes.toString('base64url');
    textOffset = 0;
  }
  const nonce = text.slice(textOffset, textOffset + TEXT_NONCE_LENGTH);
  textOffset += TEXT_NONCE_LENGTH;
  return nonce;
}
