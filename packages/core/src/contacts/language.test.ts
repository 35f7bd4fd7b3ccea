import { describe, expect, it } from 'vitest';
import { normalizeLanguage } from './language.js';

describe('normalizeLanguage (SEED-01: language as an ISO code, free text mapped)', () => {
  it.each([
    ['Français', 'fr'],
    ['francais', 'fr'],
    ['FR', 'fr'],
    ['fr-BE', 'fr'],
    ['fr_FR', 'fr'],
    ['French', 'fr'],
    ['Nederlands', 'nl'],
    ['Vlaams', 'nl'],
    ['nl-BE', 'nl'],
    ['Deutsch', 'de'],
    ['German', 'de'],
    ['English', 'en'],
    ['  english ', 'en'],
    ['eng', 'en'],
    ['Español', 'es'],
    ['pt-BR', 'pt'],
  ])('maps %j to %s', (input, code) => {
    expect(normalizeLanguage(input)).toEqual({ status: 'mapped', code });
  });

  it('reports unknown text as unknown and blank as empty', () => {
    expect(normalizeLanguage('Klingon')).toEqual({ status: 'unknown', value: 'Klingon' });
    expect(normalizeLanguage('xx-YY')).toEqual({ status: 'unknown', value: 'xx-YY' });
    expect(normalizeLanguage('??')).toMatchObject({ status: 'unknown' });
    expect(normalizeLanguage('')).toEqual({ status: 'empty' });
    expect(normalizeLanguage('   ')).toEqual({ status: 'empty' });
    expect(normalizeLanguage(undefined)).toEqual({ status: 'empty' });
  });
});
