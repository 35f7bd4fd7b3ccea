import type { KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GdprMailError } from '../errors/gdpr-mail-error.js';

/** Version prefix of every sealed value: a later format can be told apart. */
const PREFIX = 'g1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Associated data of a sealed field: where the value lives. A ciphertext
 * copied to another row or column fails to open (AES-GCM authenticates it).
 */
export function fieldContext(table: string, rowId: string, column: string): string {
  return `${table}\u0000${rowId}\u0000${column}`;
}

/**
 * AES-256-GCM with a fresh random IV per call. The output is text
 * (`g1.<base64url(iv | ciphertext | tag)>`), so any store that keeps a string
 * keeps it.
 */
export function sealField(key: KeyObject | Uint8Array, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/**
 * Opens what `sealField` made with the same key and context. A wrong key, a
 * value moved from another row or column, or altered bytes throw
 * CIPHERTEXT_INVALID; the message names the context, never the value.
 */
export function openField(key: KeyObject | Uint8Array, sealed: string, context: string): string {
  if (!isSealed(sealed)) throw invalid(context);
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw invalid(context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (cause) {
    throw invalid(context, cause);
  }
}

function invalid(context: string, cause?: unknown): GdprMailError {
  const [table, , column] = context.split('\u0000');
  return new GdprMailError(
    'CIPHERTEXT_INVALID',
    `An encrypted value of ${table ?? '?'}.${column ?? '?'} does not open with its row's key: it was altered, moved from another row or column, or its key was destroyed.`,
    { details: { table, column }, ...(cause === undefined ? {} : { cause }) },
  );
}
