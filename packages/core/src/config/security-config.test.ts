import { afterEach, describe, expect, it, vi } from 'vitest';
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

const EXAMPLE_PEPPER = 'example-pepper-change-me-0123456789abcdef';
const EXAMPLE_TOKEN_KEY = 'example-token-key-change-me-0123456789abcdef';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('#19 finding 11: config refuses shared and published secrets', () => {
  it('refuses a token key equal to the pepper, naming the field', () => {
    const base = testConfig();
    const error = configError({
      ...base,
      tokens: { ...base.tokens, keys: [{ id: 'k1', secret: base.secrets.pepper }] },
    });
    expect(error.issues.map((i) => i.path)).toContain('tokens.keys.0.secret');
  });

  it("in production, refuses the examples' published pepper and token key", () => {
    vi.stubEnv('NODE_ENV', 'production');
    const base = testConfig();
    const error = configError({
      ...base,
      secrets: { ...base.secrets, pepper: EXAMPLE_PEPPER },
      tokens: { ...base.tokens, keys: [{ id: 'k1', secret: EXAMPLE_TOKEN_KEY }] },
    });
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['secrets.pepper', 'tokens.keys.0.secret']),
    );
    expect(error.message).not.toContain(EXAMPLE_PEPPER);
  });

  it('REQ-34: in production, requires a destroyable key-encryption key (not the pepper-derived one)', () => {
    vi.stubEnv('NODE_ENV', 'production');
    const base = testConfig();
    const error = configError(base);
    expect(error.issues.map((i) => i.path)).toContain('secrets.encryptionKeys');
    expect(error.message).toContain('gdpr-mail keys create');
    expect(() =>
      parseConfig({
        ...base,
        secrets: {
          ...base.secrets,
          encryptionKeys: [{ id: '2026-12', secret: 'a-production-kek-0123456789-abcdefghijkl' }],
        },
      }),
    ).not.toThrow();
  });

  it('refuses an encryption key equal to the pepper or a token key, naming the field', () => {
    const base = testConfig();
    const error = configError({
      ...base,
      secrets: {
        ...base.secrets,
        encryptionKeys: [
          { id: 'a', secret: base.secrets.pepper },
          { id: 'b', secret: base.tokens.keys[0]!.secret },
        ],
      },
    });
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'secrets.encryptionKeys.0.secret',
        'secrets.encryptionKeys.1.secret',
      ]),
    );
    expect(error.message).not.toContain(base.secrets.pepper);
  });

  it('outside production the example secrets still start the demo', () => {
    vi.stubEnv('NODE_ENV', 'development');
    const base = testConfig();
    expect(() =>
      parseConfig({
        ...base,
        secrets: { ...base.secrets, pepper: EXAMPLE_PEPPER },
        tokens: { ...base.tokens, keys: [{ id: 'k1', secret: EXAMPLE_TOKEN_KEY }] },
      }),
    ).not.toThrow();
  });
});
