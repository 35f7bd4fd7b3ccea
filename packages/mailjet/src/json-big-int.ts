/**
 * Mailjet message ids (e.g. 1152921518473429250) are integers above 2^53:
 * `JSON.parse` would round them, and a rounded id no longer matches the
 * events that report it. This turns every integer literal of 16 digits or
 * more into a string literal before parsing, leaving string contents alone.
 */
export function quoteLargeIntegers(json: string): string {
  let out = '';
  let i = 0;
  const n = json.length;
  while (i < n) {
    const ch = json[i] as string;
    if (ch === '"') {
      // Copy a whole string literal, escapes included.
      let j = i + 1;
      while (j < n && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(json[j] as string)) j += 1;
      const token = json.slice(i, j);
      out += /^-?\d{16,}$/.test(token) ? `"${token}"` : token;
      i = j;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** `JSON.parse` that keeps large integers exact (as strings); `undefined` when not JSON. */
export function parseJsonKeepingIds(text: string): unknown {
  try {
    return JSON.parse(quoteLargeIntegers(text));
  } catch {
    return undefined;
  }
}
