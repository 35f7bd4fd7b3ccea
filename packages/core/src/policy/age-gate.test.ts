import { describe, expect, it } from 'vitest';
import { AGE_OF_CONSENT, ageGate } from './age-gate.js';

describe('ageGate (REQ-19)', () => {
  it('follows the Art. 8 table', () => {
    expect(AGE_OF_CONSENT).toMatchObject({ BE: 13, AT: 14, FR: 15, DE: 16 });
    expect(ageGate('FR', '14')).toMatchObject({
      ageOfConsent: 15,
      parentalConsentRequired: true,
      joint: true,
    });
    expect(ageGate('BE', '13')).toMatchObject({ ageOfConsent: 13, parentalConsentRequired: false });
    expect(ageGate(undefined, '15')).toMatchObject({
      ageOfConsent: 16,
      parentalConsentRequired: true,
      joint: false,
    });
    expect(ageGate('ZZ', '15')).toMatchObject({ ageOfConsent: 16, parentalConsentRequired: true });
    expect(ageGate('it', '14')).toMatchObject({ country: 'IT', parentalConsentRequired: false });
    expect(ageGate('SE', 'under-13')).toMatchObject({ parentalConsentRequired: true });
    expect(ageGate('DE', 'adult').parentalConsentRequired).toBe(false);
  });

  it('applies overrides and the default age', () => {
    expect(ageGate('FR', '14', { overrides: { FR: 14 } }).parentalConsentRequired).toBe(false);
    expect(ageGate(undefined, '13', { defaultAge: 13 }).parentalConsentRequired).toBe(false);
  });
});
