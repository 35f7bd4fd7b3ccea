import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { isValidEmail, normalizeEmail } from './normalize-email.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Camille.Dupont@Example.ORG ')).toBe('camille.dupont@example.org');
  });

  it.each([
    'no-at-sign',
    'two@@example.org',
    'a@b',
    'line\r\nbreak@example.org',
    'victim@example.org\r\nBcc: all@example.org',
    'tab\t@example.org',
    'nul\u0000@example.org',
    `${'x'.repeat(65)}@example.org`,
    '<angle>@example.org',
  ])('rejects %j with INVALID_EMAIL', (input) => {
    expect(() => normalizeEmail(input)).toThrow(expect.objectContaining({ code: 'INVALID_EMAIL' }));
    expect(isValidEmail(input)).toBe(false);
  });

  it('rejects non-strings with a typed error', () => {
    try {
      normalizeEmail(42);
      expect.unreachable();
    } catch (error) {
      expect(isGdprMailError(error, 'INVALID_EMAIL')).toBe(true);
    }
  });
});
