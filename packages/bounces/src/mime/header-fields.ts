/** Header fields by lower-case name, every occurrence kept in order. */
export type HeaderFields = ReadonlyMap<string, readonly string[]>;

/**
 * Parses a block of `Name: value` lines (a message header or one group of a
 * delivery-status report), unfolding continuation lines. Lines that are not
 * fields are skipped rather than thrown on: reports in the wild are sloppy.
 */
export function parseHeaderFields(block: string): HeaderFields {
  const fields = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      const values = fields.get(last.name)!;
      values[last.index] = `${values[last.index]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      last = undefined;
      continue;
    }
    const values = fields.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(name, values);
    last = { name, index: values.length - 1 };
  }
  return fields;
}

/** The first value of a field, if present. */
export function field(fields: HeaderFields, name: string): string | undefined {
  return fields.get(name)?.[0];
}

/** `type/subtype; a=b; c="d"` into a lower-case type and its parameters. */
export function parseContentType(value: string | undefined): {
  type: string;
  params: Readonly<Record<string, string>>;
} {
  if (!value) return { type: 'text/plain', params: {} };
  const [head = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const match of rest
    .join(';')
    .matchAll(/([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g)) {
    const name = match[1]!.toLowerCase();
    params[name] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { type: head.trim().toLowerCase() || 'text/plain', params };
}
