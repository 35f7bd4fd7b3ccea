export interface PrivacySignals {
  /** `DNT: 1` (Do Not Track). */
  dnt: boolean;
  /** `Sec-GPC: 1` (Global Privacy Control). */
  gpc: boolean;
}

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the automated objection signals a browser sends (Art. 21(5), REQ-15).
 * Only the exact value "1" counts, as both specifications say.
 */
export function readPrivacySignals(headers: Readonly<Record<string, HeaderValue>>): PrivacySignals {
  return {
    dnt: first(headers.dnt ?? headers.DNT)?.trim() === '1',
    gpc: first(headers['sec-gpc'] ?? headers['Sec-GPC'])?.trim() === '1',
  };
}
