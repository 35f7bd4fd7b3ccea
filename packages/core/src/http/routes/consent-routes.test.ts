import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../../errors/gdpr-mail-error.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { openTrackingOverrides, testConfig } from '../../testing/fixtures.js';
import { createGdprHandler } from '../handler/create-gdpr-handler.js';

function trackingMail() {
  return createGdprMail(
    testConfig({
      ...openTrackingOverrides(),
    }),
  );
}

describe('signup.purposes', () => {
  it('REQ-15, REQ-29: refuses a tracking purpose at signup with CONFIG_INVALID', async () => {
    const gdpr = trackingMail();
    try {
      let thrown: unknown;
      try {
        createGdprHandler(gdpr, { signup: { purposes: ['newsletter', 'open_tracking'] } });
      } catch (error) {
        thrown = error;
      }
      expect(isGdprMailError(thrown, 'CONFIG_INVALID')).toBe(true);
      expect((thrown as Error).message).toContain('"open_tracking" is a tracking purpose');
    } finally {
      await gdpr.close();
    }
  });

  it('REQ-29: offers no tracking purpose by default, and any consent purpose when listed', async () => {
    const gdpr = trackingMail();
    try {
      const form = async (purposes?: readonly string[]) => {
        const handler = createGdprHandler(gdpr, purposes ? { signup: { purposes } } : {});
        const response = await handler(
          new Request('https://app.acme.test/gdpr/signup', {
            headers: { accept: 'application/json' },
          }),
        );
        const body = (await response.json()) as { purposes: { id: string }[] };
        return body.purposes.map((p) => p.id);
      };
      expect(await form()).toEqual(['newsletter', 'partners']);
      expect(await form(['partners'])).toEqual(['partners']);
    } finally {
      await gdpr.close();
    }
  });
});
