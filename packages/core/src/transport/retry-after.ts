/**
 * `Retry-After` as milliseconds: delay-seconds (a decimal fraction is taken
 * too, as some gateways send one) or an HTTP date (RFC 9110 §10.2.3);
 * `undefined` for anything else. Drivers put it in `failed(…, { retryAfterMs })`.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month; bare numbers like "-1" are not dates.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now());
}
