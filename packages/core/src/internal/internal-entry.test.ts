import { describe, expect, it } from 'vitest';
import * as core from '../index.js';
import * as internal from './index.js';

// Issue #20 item 5: helpers the other packages share live in `@gdpr-mail/core/internal`,
// helpers only core uses are not exported; api/core.api.md records the whole surface.
describe('core entries', () => {
  it('keeps the shared helpers out of the public entry and in the internal one', () => {
    const shared = [
      'appendAuditEntry',
      'hashConsentEvent',
      'emptyCampaignReport',
      'csvRows',
      'validateErasureJournalEntry',
      'resolveSegmentFilter',
      'AsyncMutex',
      'checkProcessor',
      'mimeFields',
      'abortedResult',
      'invalidResult',
      'constantTimeEqual',
      'headerValue',
      'textStream',
    ];
    expect(Object.keys(internal).sort()).toEqual([...shared].sort());
    for (const name of shared) expect(core).not.toHaveProperty(name);
  });

  it('exports none of the helpers only core uses', () => {
    for (const name of [
      'abortableSleep',
      'wrapTransport',
      'fullJitterDelay',
      'hashAuditEntry',
      'deriveConsentState',
      'parseCsvStream',
      'jsonLines',
      'createLazyStore',
      'summarise',
      'decideRetention',
    ]) {
      expect(core).not.toHaveProperty(name);
      expect(internal).not.toHaveProperty(name);
    }
  });

  it('still exports what applications and transport authors use', () => {
    for (const name of [
      'createGdprMail',
      'defineTransport',
      'withRetries',
      'withRateLimit',
      'TokenBucket',
      'resilientTransport',
      'validateMessage',
      'failed',
      'sendResultError',
      'redactAddresses',
      'parseRetryAfter',
      'MemoryStore',
      'InMemoryTransport',
    ]) {
      expect(core).toHaveProperty(name);
    }
  });
});
