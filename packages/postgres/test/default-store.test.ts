import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGdprMail } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';

describe('createGdprMail without a store', () => {
  it('persists to PGlite in storage.dir, across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gdpr-mail-default-'));
    const config = () => {
      const { store: _memory, ...rest } = testConfig();
      return { ...rest, storage: { dir } };
    };
    try {
      const first = createGdprMail(config());
      await first.consent.record({
        email: 'ada@example.test',
        purposes: ['newsletter'],
        evidence: checkboxEvidence,
      });
      expect(first.store.kind).toBe('lazy');
      await first.close();

      const second = createGdprMail(config());
      expect((await second.consent.state('ada@example.test', 'newsletter')).status).toBe('granted');
      expect(await second.audit.verify()).toEqual({ ok: true, checked: 1 });
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
