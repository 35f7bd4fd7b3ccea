export interface CsvOptions {
  /**
   * Prefix cells starting with = + - @ (or a tab/CR) with a quote so a
   * spreadsheet does not run them as formulas (CSV injection). The JSON export
   * keeps the raw values for machines.
   */
  protectFormulas?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown, options: CsvOptions = {}): string {
  let text =
    value === null || value === undefined
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  if ((options.protectFormulas ?? true) && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One RFC 4180 record, CRLF-terminated. */
export function csvRow(values: readonly unknown[], options: CsvOptions = {}): string {
  return `${values.map((v) => csvCell(v, options)).join(',')}\r\n`;
}

/**
 * Streams rows as RFC 4180 CSV: a header from `columns`, then one record per
 * row, without holding the rows in memory.
 */
export async function* toCsv(
  columns: readonly string[],
  rows:
    | AsyncIterable<Readonly<Record<string, unknown>>>
    | Iterable<Readonly<Record<string, unknown>>>,
  options: CsvOptions = {},
): AsyncGenerator<string> {
  yield csvRow(columns, options);
  for await (const row of rows)
    yield csvRow(
      columns.map((c) => row[c]),
      options,
    );
}
