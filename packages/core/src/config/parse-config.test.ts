import { describe, expect, it } from 'vitest';
import type { GdprMailError } from '../errors/gdpr-mail-error.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { testConfig } from '../testing/fixtures.js';
import { parseConfig } from './parse-config.js';

function configError(input: unknown): GdprMailError {
  try {
    parseConfig(input);
  } catch (error) {
    if (isGdprMailError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('parseConfig', () => {
  it('accepts the test config and applies privacy-by-default values (REQ-09)', () => {
    const config = parseConfig(testConfig());
    expect(config.tracking.mode).toBe('none');
    expect(config.proof).toEqual({ recordIp: false, recordUserAgent: false });
    expect(config.minors.defaultAge).toBe(16);
  });

  it('lists every bad field by path in one error', () => {
    const base = testConfig();
    const error = configError({
      ...base,
      controller: { name: '', email: 'not-an-email' },
      secrets: { pepper: 'short' },
    });
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['controller.name', 'controller.email', 'secrets.pepper']),
    );
    expect(error.message).toContain('secrets.pepper');
    expect(error.message).toContain('controller.email');
  });

  it('REQ-09: refuses a purpose without a retention period', () => {
    const base = testConfig();
    const [first, ...rest] = base.purposes;
    const { retention: _dropped, ...withoutRetention } = first!;
    const error = configError({ ...base, purposes: [withoutRetention, ...rest] });
    expect(error.issues.map((i) => i.path)).toContain('purposes.0.retention');
  });

  it('REQ-04: refuses a notice that does not state the right to withdraw', () => {
    const base = testConfig();
    const [first, ...rest] = base.purposes;
    const error = configError({
      ...base,
      purposes: [
        { ...first!, notice: { version: '1.0', text: 'Acme SAS sends you news.' } },
        ...rest,
      ],
    });
    expect(error.issues).toContainEqual({
      path: 'purposes.0.notice.text',
      message: expect.stringContaining('withdraw'),
    });
  });

  it('REQ-04: refuses a notice that does not name the controller', () => {
    const base = testConfig();
    const [first, ...rest] = base.purposes;
    const error = configError({
      ...base,
      purposes: [
        { ...first!, notice: { version: '1.0', text: 'We send news; unsubscribe any time.' } },
        ...rest,
      ],
    });
    expect(error.issues[0]?.message).toContain('controller');
  });

  it('refuses duplicate ids, soft opt-in without categories and marketing on a contract basis', () => {
    const base = testConfig();
    const [first, second] = base.purposes;
    const error = configError({
      ...base,
      purposes: [
        first!,
        { ...second!, id: first!.id },
        { ...second!, id: 'soft', lawfulBasis: 'soft-opt-in' },
        { ...second!, id: 'promo', lawfulBasis: 'contract' },
        { ...second!, id: 'pixel', kind: 'tracking', lawfulBasis: 'legitimate-interest' },
      ],
    });
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'purposes.1.id',
        'purposes.2.softOptIn',
        'purposes.3.lawfulBasis',
        'purposes.4.lawfulBasis',
      ]),
    );
  });

  it('refuses a bad retention duration and a non-store store', () => {
    const base = testConfig();
    const [first, ...rest] = base.purposes;
    const error = configError({
      ...base,
      store: { not: 'a store' },
      purposes: [{ ...first!, retention: { duration: '3 years', anchor: 'collected' } }, ...rest],
    });
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['store', 'purposes.0.retention.duration']),
    );
  });
});
