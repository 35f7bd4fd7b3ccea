import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { describe, expect, it } from 'vitest';
import { createMemorySoftBounceCounter } from '../soft/soft-bounce-counter.js';
import { createBounceReader } from './bounce-reader.js';

describe('createBounceReader options', () => {
  it('refuses bad options with CONFIG_INVALID naming the fields, never the password', () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    let caught: unknown;
    try {
      createBounceReader({
        imap: { host: '', port: 70_000, auth: { user: 'bounces', pass: 'hunter2-secret' } },
        gdpr,
        verpAddress: 'bounces+x@shop.example',
        softBounces: { counter: createMemorySoftBounceCounter(), secret: 'short' },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'CONFIG_INVALID' });
    const error = caught as { message: string; issues: { path: string }[] };
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'imap.host',
      'imap.port',
      'softBounces.secret',
      'verpAddress',
    ]);
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses deleteProcessed together with processedMailbox (keep or delete, not both)', () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    const imap = { host: 'imap.example', port: 143, auth: { user: 'bounces', pass: 'p' } };
    expect(() =>
      createBounceReader({ imap, gdpr, deleteProcessed: true, processedMailbox: 'Done' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createBounceReader({ imap, gdpr, deleteProcessed: true })).not.toThrow();
  });
});
