/** EU member states plus Iceland, Liechtenstein and Norway: no transfer safeguard needed. */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
]);

export function isEea(country: string): boolean {
  return EEA_COUNTRIES.has(country.toUpperCase());
}

/** Chapter V mechanisms a transfer outside the EEA can rest on. */
export const TRANSFER_SAFEGUARDS = [
  'adequacy-decision',
  'standard-contractual-clauses',
  'binding-corporate-rules',
  'approved-code-or-certification',
  'art-49-derogation',
] as const;
export type TransferSafeguard = (typeof TRANSFER_SAFEGUARDS)[number];
