import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GdprMailConfig } from '../../config/config-schema.js';
import { createGdprMail } from '../../gdpr-mail.js';
import type { GdprLogger } from '../../observability/logger.js';
import { MemoryStore } from '../../store/memory-store.js';
import { testConfig } from '../../testing/fixtures.js';
import { InMemoryTransport } from '../../transport/memory-transport.js';
import { createGdprRoutes } from './create-gdpr-routes.js';

// A newcomer mounts the routes on the config `gdpr-mail init` wrote, which has no transport:
// the forms answer "check your inbox" and the mails fail after the answer, where nothing shows
// it (the default logger is silent). The routes say so once, when they are made.
function gdprWith(overrides: Partial<GdprMailConfig>) {
  const { logger: _captured, ...config } = testConfig({ store: new MemoryStore(), ...overrides });
  return createGdprMail({
    ...config,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    outbox: { drainAfterResponse: false },
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('routes without a transport', () => {
  it('warn once on the console that the signup and DSAR mails cannot go, naming the fix', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const gdpr = gdprWith({});
    createGdprRoutes(gdpr);
    createGdprRoutes(gdpr);
    expect(warn).toHaveBeenCalledTimes(1);
    const said = String(warn.mock.calls[0]?.[0]);
    expect(said).toContain('no `transport`');
    expect(said).toContain('double opt-in');
    expect(said).toContain('MAILER_NOT_CONFIGURED');
    expect(said).toContain('mailer: { from }');
    await gdpr.close();
  });

  it('with `sendMail`, warn that only the DSAR mails cannot go', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const gdpr = gdprWith({});
    createGdprRoutes(gdpr, { sendMail: async () => {} });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(
      '`sendMail` sends the double opt-in mail only',
    );
    await gdpr.close();
  });

  it('go to the configured logger instead of the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const lines: unknown[][] = [];
    const logger: GdprLogger = {
      debug: () => {},
      info: () => {},
      warn: (...args) => lines.push(args),
      error: () => {},
    };
    const gdpr = gdprWith({ logger });
    createGdprRoutes(gdpr);
    expect(warn).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toEqual({ code: 'MAILER_NOT_CONFIGURED' });
    await gdpr.close();
  });

  it('say nothing when the config has a transport', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const gdpr = gdprWith({
      transport: new InMemoryTransport(),
      mailer: { from: { address: 'news@acme.test' } },
    });
    createGdprRoutes(gdpr);
    expect(warn).not.toHaveBeenCalled();
    await gdpr.close();
  });
});
