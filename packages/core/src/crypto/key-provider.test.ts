import { describe, expect, it } from 'vitest';
import { assertKeyId, createLocalKeyProvider, KEY_ID_PATTERN } from './key-provider.js';

const secret = 's'.repeat(32);

describe('key ids (REQ-34)', () => {
  it('assertKeyId accepts 1 to 64 letters, digits, dot, underscore and dash', () => {
    for (const id of ['2026-12', 'a', 'key_1.v2', 'x'.repeat(64)]) {
      expect(() => assertKeyId(id)).not.toThrow();
      expect(KEY_ID_PATTERN.test(id)).toBe(true);
    }
  });

  it('assertKeyId refuses anything else as CONFIG_INVALID, naming the id as told', () => {
    for (const id of ['', 'has space', 'x'.repeat(65), 'slash/id', 'é', undefined, 42]) {
      expect(() => assertKeyId(id)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          message: `Encryption key id "${String(id)}" is not a valid key id.`,
        }),
      );
    }
    expect(() => assertKeyId('a b', 'The --id')).toThrow('The --id "a b" is not a valid key id.');
  });

  it('createLocalKeyProvider keeps its messages: bad id, an id given twice, a short secret', () => {
    expect(() => createLocalKeyProvider([{ id: 'a b', secret }])).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: 'Encryption key id "a b" is not a valid key id.',
      }),
    );
    expect(() =>
      createLocalKeyProvider([
        { id: 'k', secret },
        { id: 'k', secret },
      ]),
    ).toThrow('Encryption key id "k" is given twice.');
    expect(() => createLocalKeyProvider([{ id: 'k', secret: 'short' }])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
