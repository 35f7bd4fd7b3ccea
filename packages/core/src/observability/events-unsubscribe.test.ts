import { describe, expect, it } from 'vitest';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';

describe('gdpr.events.on returns the function that unsubscribes (docs/observability.md#events)', () => {
  it('works however `on` is called, destructured included', async () => {
    const { gdpr } = testGdpr();
    const { on } = gdpr.events;
    const heard: string[] = [];
    const offDestructured = on('consent.changed', (event) => {
      heard.push(`destructured ${event.type}`);
    });
    const offMethod = gdpr.events.on('consent.changed', (event) => {
      heard.push(`method ${event.type}`);
    });
    try {
      const { token } = await gdpr.optIn.request(
        'events-off@example.org',
        ['newsletter'],
        checkboxEvidence,
      );
      expect(heard.length).toBeGreaterThan(0);
      heard.length = 0;
      expect(() => offDestructured()).not.toThrow();
      offMethod();
      await gdpr.optIn.confirm(token);
      expect(heard).toEqual([]);
    } finally {
      await gdpr.close();
    }
  });
});
