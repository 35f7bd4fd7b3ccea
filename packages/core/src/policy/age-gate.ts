import type { AgeBracket } from '../store/store-types.js';

/**
 * Art. 8(1) digital age of consent by member state (REQ-19). Countries not
 * listed use the default of 16.
 */
export const AGE_OF_CONSENT: Readonly<Record<string, number>> = {
  BE: 13,
  DK: 13,
  EE: 13,
  FI: 13,
  LV: 13,
  MT: 13,
  PT: 13,
  SE: 13,
  AT: 14,
  BG: 14,
  CY: 14,
  IT: 14,
  LT: 14,
  ES: 14,
  CZ: 15,
  FR: 15,
  GR: 15,
  DE: 16,
  HR: 16,
  HU: 16,
  IE: 16,
  LU: 16,
  NL: 16,
  PL: 16,
  RO: 16,
  SK: 16,
};

/** Countries where, below the age, the child AND the parent consent together. */
export const JOINT_CONSENT_COUNTRIES: ReadonlySet<string> = new Set(['FR']);

/** The youngest age a bracket can hold. */
const BRACKET_MIN_AGE: Record<AgeBracket, number> = {
  'under-13': 0,
  '13': 13,
  '14': 14,
  '15': 15,
  '16-17': 16,
  adult: 18,
};

export interface AgeGateOptions {
  overrides?: Readonly<Record<string, number>>;
  defaultAge?: number;
}

export interface AgeGateResult {
  country: string | undefined;
  ageOfConsent: number;
  /** A holder of parental responsibility must give or authorise consent. */
  parentalConsentRequired: boolean;
  /** FR: the child's own consent is needed as well as the parent's. */
  joint: boolean;
}

export function ageGate(
  country: string | undefined,
  bracket: AgeBracket,
  options: AgeGateOptions = {},
): AgeGateResult {
  const code = country?.toUpperCase();
  const ageOfConsent =
    (code && (options.overrides?.[code] ?? AGE_OF_CONSENT[code])) || (options.defaultAge ?? 16);
  const parentalConsentRequired = BRACKET_MIN_AGE[bracket] < ageOfConsent;
  return {
    country: code,
    ageOfConsent,
    parentalConsentRequired,
    joint: parentalConsentRequired && code !== undefined && JOINT_CONSENT_COUNTRIES.has(code),
  };
}
