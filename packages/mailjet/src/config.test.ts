import { isGdprMailError } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import { MAILJET_PROCESSOR, resolveProcessor } from './config.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isGdprMailError(error) ? error.code : 'not a GdprMailError';
  }
  return undefined;
}

describe('resolveProcessor', () => {
  it('defaults to Mailjet SAS in France', () => {
    expect(resolveProcessor(undefined)).toEqual(MAILJET_PROCESSOR);
  });

  it('REQ-31: outside the EEA a known safeguard is required', () => {
    const base = { name: 'Relay', role: 'email delivery' };
    expect(code(() => resolveProcessor({ ...base, country: 'US' }))).toBe('CONFIG_INVALID');
    expect(
      code(() =>
        resolveProcessor({ ...base, country: 'US', transferSafeguard: 'pinky-promise' as never }),
      ),
    ).toBe('CONFIG_INVALID');
    expect(
      resolveProcessor({ ...base, country: 'us', transferSafeguard: 'adequacy-decision' }).country,
    ).toBe('US');
    expect(resolveProcessor({ ...base, country: 'NO' }).country).toBe('NO');
    expect(code(() => resolveProcessor({ ...base, country: 'France' }))).toBe('CONFIG_INVALID');
    expect(code(() => resolveProcessor({ ...base, name: ' ', country: 'FR' }))).toBe(
      'CONFIG_INVALID',
    );
  });
});
