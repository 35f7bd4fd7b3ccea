/**
 * Character classes of the token grammar as a lookup table: one array read
 * per character instead of a regular expression run per field.
 */
export const ID = 1; // [A-Za-z0-9_-]
export const LOWER = 2; // [a-z]
export const PURPOSE_REST = 4; // [a-z0-9_-]
export const VERSION = 8; // [A-Za-z0-9.]
export const DIGIT = 16; // [0-9]

// Every UTF-16 code unit has an entry (64 kB), so a lookup needs no range check.
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c += 1) {
  const ch = String.fromCharCode(c);
  let bits = 0;
  if (/[A-Za-z0-9_-]/.test(ch)) bits |= ID;
  if (/[a-z]/.test(ch)) bits |= LOWER;
  if (/[a-z0-9_-]/.test(ch)) bits |= PURPOSE_REST;
  if (/[A-Za-z0-9.]/.test(ch)) bits |= VERSION;
  if (/[0-9]/.test(ch)) bits |= DIGIT;
  CLASS[c] = bits;
}

/** The classes of one UTF-16 code unit; 0 for anything outside the grammar (and for NaN). */
export function classOf(code: number): number {
  return CLASS[code] ?? 0;
}

/** Every character of `text` in `cls`, and `min <= length <= max`. */
export function allOf(text: string, cls: number, min: number, max: number): boolean {
  const n = text.length;
  if (n < min || n > max) return false;
  for (let i = 0; i < n; i += 1) if ((classOf(text.charCodeAt(i)) & cls) === 0) return false;
  return true;
}

/** `*`, or `[a-z][a-z0-9_-]{0,63}`. */
export function isPurposeId(text: string): boolean {
  if (text === '*') return true;
  return (
    text.length > 0 &&
    (classOf(text.charCodeAt(0)) & LOWER) !== 0 &&
    allOf(text, PURPOSE_REST, 1, 64)
  );
}
