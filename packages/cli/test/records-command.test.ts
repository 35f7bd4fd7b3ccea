import { tmpdir } from 'node:os';
import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import { recordsCommand } from '../src/commands/records-command.js';
import { captureIo } from './capture-io.js';

describe('gdpr-mail records --document privacy-notice', () => {
  it('SEED-09: writes the privacy notice as an escaped HTML page', async () => {
    const base = testConfig();
    const gdpr = createGdprMail(
      testConfig({
        purposes: base.purposes.map((p) =>
          p.id === 'newsletter' ? { ...p, title: 'News <script>alert(1)</script>' } : p,
        ),
      }),
    );
    try {
      const run = captureIo(tmpdir());
      const options = { document: 'privacy-notice', format: 'html' };
      expect(await recordsCommand(gdpr, options, run.io)).toBe(0);
      expect(run.out()).toMatch(/^<!doctype html>/);
      expect(run.out()).toContain('News &lt;script&gt;');
      expect(run.out()).not.toContain('<script>');
    } finally {
      await gdpr.close();
    }
  });
});
