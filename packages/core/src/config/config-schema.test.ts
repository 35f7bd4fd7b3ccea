import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { testConfig } from '../testing/fixtures.js';
import { parseConfig } from './parse-config.js';

function issuePaths(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (error) {
    if (!isGdprMailError(error, 'CONFIG_INVALID')) throw error;
    return error.issues.map((i) => i.path);
  }
}

describe('config: tokens and links', () => {
  it('accepts the test config and fills the token defaults', () => {
    const config = parseConfig(testConfig());
    expect(config.tokens.confirmTtl).toBe('P7D');
    expect(config.tokens.unsubscribeTtl).toBeUndefined();
    expect(config.tokens.preferencesTtl).toBe('P1Y');
    expect(config.links.paths).toEqual({
      confirm: '/confirm',
      unsubscribe: '/u',
      preferences: '/preferences',
      dsarVerify: '/dsar/verify',
      dsarDownload: '/dsar/download',
      repermission: '/re-permission',
    });
    expect(config.doubleOptIn).toMatchObject({ defaultLocale: 'en', maxRequestsPerDay: 5 });
  });

  it('lists every bad token and link field at once', () => {
    const paths = issuePaths(
      testConfig({
        tokens: {
          keys: [
            { id: 'k1', secret: 'short' },
            { id: 'k1', secret: 'long-enough-0123456789abcdefghijklmn' },
            { id: 'bad id!', secret: 'long-enough-0123456789abcdefghijklmn' },
          ],
          confirmTtl: '7 days',
        },
        links: { baseUrl: 'http://app.acme.test', privacyUrl: 'ftp://acme.test/privacy' },
      }),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'tokens.keys.0.secret',
        'tokens.keys.1.id',
        'tokens.keys.2.id',
        'tokens.confirmTtl',
        'links.baseUrl',
        'links.privacyUrl',
      ]),
    );
  });

  it('requires at least one key and a base URL', () => {
    const { tokens: _t, links: _l, ...rest } = testConfig();
    expect(issuePaths(rest)).toEqual(expect.arrayContaining(['tokens', 'links']));
    expect(issuePaths(testConfig({ tokens: { keys: [] } }))).toContain('tokens.keys');
  });

  it('allows plain http only on loopback, and no query or fragment', () => {
    expect(issuePaths(testConfig({ links: { baseUrl: 'http://localhost:3000/gdpr' } }))).toEqual(
      [],
    );
    expect(issuePaths(testConfig({ links: { baseUrl: 'https://a.test/x?y=1' } }))).toEqual([
      'links.baseUrl',
    ]);
  });
});
