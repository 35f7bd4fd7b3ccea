import { isGdprMailError } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import { sesProcessor } from './config.js';
import { createSesTransport } from './transport.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isGdprMailError(error) ? error.code : 'not a GdprMailError';
  }
  return undefined;
}

describe('SES processor for the record of processing', () => {
  it('REQ-31: an EU region declares Amazon Web Services EMEA SARL in its country, no safeguard needed', () => {
    expect(sesProcessor({ region: 'eu-west-1' })).toEqual({
      name: 'Amazon Web Services EMEA SARL',
      role: 'email delivery',
      country: 'IE',
      region: 'eu-west-1',
    });
    expect(sesProcessor({ region: 'eu-central-1' }).country).toBe('DE');
    expect(createSesTransport({ region: 'eu-west-3' }).processor.country).toBe('FR');
  });

  it('SEED-11, REQ-31: a region outside the EEA without a transfer safeguard fails at creation', () => {
    expect(codeOf(() => createSesTransport({ region: 'us-east-1' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => createSesTransport({ region: 'eu-west-2' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => createSesTransport({ region: 'eu-central-2' }))).toBe('CONFIG_INVALID');
  });

  it('SEED-11: a region outside the EEA with a declared safeguard is recorded with it', () => {
    const transport = createSesTransport({
      region: 'us-east-1',
      transferSafeguard: 'adequacy-decision',
    });
    expect(transport.processor).toMatchObject({
      country: 'US',
      region: 'us-east-1',
      transferSafeguard: 'adequacy-decision',
    });
  });

  it('refuses an unknown safeguard, a malformed region and an unknown region without a country', () => {
    expect(
      codeOf(() =>
        sesProcessor({
          region: 'us-east-1',
          transferSafeguard: 'pinky-promise' as 'adequacy-decision',
        }),
      ),
    ).toBe('CONFIG_INVALID');
    expect(codeOf(() => sesProcessor({ region: 'Ireland' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => sesProcessor({ region: 'eu-future-9' }))).toBe('CONFIG_INVALID');
    expect(sesProcessor({ region: 'eu-future-9', processor: { country: 'fi' } }).country).toBe(
      'FI',
    );
  });

  it('takes a user-provided name and role', () => {
    expect(
      sesProcessor({
        region: 'eu-north-1',
        processor: { name: 'Amazon Web Services, Inc.', role: 'transactional email' },
      }),
    ).toMatchObject({
      name: 'Amazon Web Services, Inc.',
      role: 'transactional email',
      country: 'SE',
    });
  });

  it('REQ-31: a region of the AWS European Sovereign Cloud is accepted in Germany, with the processor named by the user', () => {
    // The sovereign cloud's contracting entity is not AWS EMEA SARL: no default name.
    expect(codeOf(() => createSesTransport({ region: 'eusc-de-east-1' }))).toBe('CONFIG_INVALID');
    const transport = createSesTransport({
      region: 'eusc-de-east-1',
      processor: { name: 'The AWS entity of your sovereign-cloud agreement' },
    });
    expect(transport.processor).toEqual({
      name: 'The AWS entity of your sovereign-cloud agreement',
      role: 'email delivery',
      country: 'DE',
      region: 'eusc-de-east-1',
    });
    // Only the sovereign cloud's prefix is four letters long.
    expect(codeOf(() => sesProcessor({ region: 'euxx-de-east-1', processor: { name: 'x' } }))).toBe(
      'CONFIG_INVALID',
    );
  });
});
