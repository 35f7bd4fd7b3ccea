/**
 * Whether a member state lets a business mail a named professional address
 * without prior consent (ePrivacy 13(5) leaves this to each state). `opt-out`
 * still requires that the person was informed, could object, and that the
 * message relates to their job (CNIL, REQ-07). Unlisted countries: `consent`.
 */
export const B2B_RULES: Readonly<Record<string, 'opt-out' | 'consent'>> = {
  FR: 'opt-out',
  BE: 'opt-out',
  LU: 'opt-out',
  IE: 'opt-out',
  SE: 'opt-out',
  FI: 'opt-out',
  DE: 'consent',
  AT: 'consent',
  IT: 'consent',
  NL: 'consent',
  ES: 'consent',
  PL: 'consent',
};

/** Role addresses such as contact@ or info@ name a function, not a person. */
export const DEFAULT_GENERIC_LOCAL_PARTS: readonly string[] = [
  'contact',
  'info',
  'hello',
  'bonjour',
  'sales',
  'ventes',
  'commercial',
  'support',
  'office',
  'accueil',
  'admin',
  'billing',
  'compta',
  'comptabilite',
  'facturation',
  'marketing',
  'press',
  'presse',
  'rh',
  'hr',
  'jobs',
  'recrutement',
  'service',
  'team',
  'equipe',
];

export function isGenericRoleAddress(
  email: string,
  localParts = DEFAULT_GENERIC_LOCAL_PARTS,
): boolean {
  const local = email.slice(0, email.lastIndexOf('@')).split('+')[0] ?? '';
  return localParts.includes(local);
}

export function b2bRule(
  country: string | undefined,
  overrides: Readonly<Record<string, 'opt-out' | 'consent'>> = {},
): 'opt-out' | 'consent' {
  if (!country) return 'consent';
  const code = country.toUpperCase();
  return overrides[code] ?? B2B_RULES[code] ?? 'consent';
}
