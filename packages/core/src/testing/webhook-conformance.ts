import { describe, expect, it, type TestContext } from 'vitest';
import { createGdprMail, type GdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import type {
  WebhookHandler,
  WebhookRequest,
  WebhookResponse,
} from '../webhooks/webhook-handler.js';
import { testConfig } from './fixtures.js';

/**
 * An event the suite asks the adapter to write in the provider's own format:
 * `hard-bounce` (a permanent bounce), `complaint` (a spam report), or
 * `unknown` (an event type the handler has never heard of, e.g. one the
 * provider adds next year).
 */
export interface WebhookFixtureEvent {
  type: 'hard-bounce' | 'complaint' | 'unknown';
  email: string;
}

/** What the suite needs of a handler under test: how to make it and how to call it. */
export interface WebhookConformanceAdapter {
  /** A fresh handler over `gdpr` (a new one per test). */
  makeHandler(gdpr: GdprMail): WebhookHandler | Promise<WebhookHandler>;
  /**
   * One genuine call, signed or authenticated as the provider would, carrying
   * all `events` (they share one type): one notification listing several
   * recipients, or one batch of events, as the provider groups them. Each call
   * is a new delivery (a fresh notification id); the suite replays by sending
   * the same request twice.
   */
  genuine(events: readonly WebhookFixtureEvent[]): WebhookRequest | Promise<WebhookRequest>;
  /**
   * Forged calls carrying `events`, by name: another signing key, a tampered
   * body, missing or wrong credentials, a foreign sender… At least one. Each
   * must be refused (401 or 403) and change nothing.
   */
  forged(
    events: readonly WebhookFixtureEvent[],
  ): Readonly<Record<string, WebhookRequest>> | Promise<Readonly<Record<string, WebhookRequest>>>;
}

export interface WebhookConformanceOptions {
  /** The facade handlers feed. Default: the test config over a fresh memory store. */
  makeGdpr?: () => GdprMail;
  /** A recipient the provider may report but that is no address. Default `not an address`. */
  badRecipient?: string;
  /**
   * Tests to skip, by id (`webhook.genuine`, `webhook.forged`,
   * `webhook.replay`, `webhook.bad-recipient`, `webhook.unknown-type`), each
   * with the reason shown in the report. A skip is a known gap, not a pass.
   */
  skip?: Readonly<Record<string, string>>;
}

const TEST_IDS = [
  'webhook.genuine',
  'webhook.forged',
  'webhook.replay',
  'webhook.bad-recipient',
  'webhook.unknown-type',
] as const;
type WebhookTestId = (typeof TEST_IDS)[number];

async function auditCount(gdpr: GdprMail): Promise<number> {
  let count = 0;
  for await (const _ of gdpr.audit.entries()) count += 1;
  return count;
}

function acknowledged(response: WebhookResponse): void {
  // A 2xx stops the provider redelivering; anything else it retries for days.
  expect(response.status).toBeGreaterThanOrEqual(200);
  expect(response.status).toBeLessThan(300);
}

/**
 * The behaviour every provider webhook handler must show, from its test file:
 * `runWebhookConformance('mailjet', adapter)`. Each test gets a fresh facade
 * and handler. Checks: a genuine hard bounce and complaint suppress; every
 * forged call is refused (401/403) and changes nothing, not even for a
 * genuine call after it; a replayed call is acknowledged and adds no audit
 * entry; one malformed recipient does not hold back the valid ones of the
 * same call (and the call is acknowledged, so the provider stops
 * redelivering); an event type the handler does not know is acknowledged and
 * changes nothing.
 */
export function runWebhookConformance(
  name: string,
  adapter: WebhookConformanceAdapter,
  options: WebhookConformanceOptions = {},
): void {
  const makeGdpr =
    options.makeGdpr ?? (() => createGdprMail(testConfig({ store: new MemoryStore() })));
  const badRecipient = options.badRecipient ?? 'not an address';
  let sequence = 0;
  // Addresses unique per test, so a suite run twice in one file cannot pass on stale state.
  const address = (label: string) => {
    sequence += 1;
    return `${label}-${sequence}@webhook-conformance.example.test`;
  };

  async function setup() {
    const gdpr = makeGdpr();
    const handler = await adapter.makeHandler(gdpr);
    return { gdpr, handler };
  }

  function test(id: WebhookTestId, title: string, body: () => Promise<void>): void {
    it(title, async (ctx: TestContext) => {
      const reason = options.skip?.[id];
      if (reason !== undefined) ctx.skip(`${id}: ${reason}`);
      await body();
    });
  }

  describe(`Webhook conformance: ${name}`, () => {
    test('webhook.genuine', 'a genuine hard bounce and a genuine complaint suppress', async () => {
      const { gdpr, handler } = await setup();
      const bounced = address('bounced');
      const complained = address('complained');
      acknowledged(
        await handler.handle(await adapter.genuine([{ type: 'hard-bounce', email: bounced }])),
      );
      acknowledged(
        await handler.handle(await adapter.genuine([{ type: 'complaint', email: complained }])),
      );
      expect((await gdpr.suppression.check(bounced))?.reason).toBe('hard-bounce');
      expect((await gdpr.suppression.check(complained))?.reason).toBe('complaint');
    });

    test('webhook.forged', 'refuses every forged call (401/403) and changes nothing', async () => {
      const { gdpr, handler } = await setup();
      const victim = address('victim');
      const events = [{ type: 'hard-bounce', email: victim }] as const;
      const forgeries = Object.entries(await adapter.forged(events));
      expect(forgeries.length).toBeGreaterThan(0);
      for (const [label, request] of forgeries) {
        const response = await handler.handle(request);
        expect([401, 403], `forgery "${label}" answered ${response.status}`).toContain(
          response.status,
        );
        expect(await gdpr.suppression.check(victim), `forgery "${label}"`).toBeUndefined();
        expect(await auditCount(gdpr), `forgery "${label}"`).toBe(0);
      }
      // The refusals left no state behind that would turn the genuine call away.
      acknowledged(await handler.handle(await adapter.genuine(events)));
      expect((await gdpr.suppression.check(victim))?.reason).toBe('hard-bounce');
    });

    test('webhook.replay', 'a replayed call is acknowledged and changes nothing more', async () => {
      const { gdpr, handler } = await setup();
      const first = address('replayed');
      const second = address('replayed');
      const request = await adapter.genuine([
        { type: 'hard-bounce', email: first },
        { type: 'hard-bounce', email: second },
      ]);
      acknowledged(await handler.handle(request));
      const entries = await auditCount(gdpr);
      expect(entries).toBeGreaterThan(0);
      acknowledged(await handler.handle(request));
      expect(await auditCount(gdpr)).toBe(entries);
      expect((await gdpr.suppression.check(first))?.reason).toBe('hard-bounce');
      expect((await gdpr.suppression.check(second))?.reason).toBe('hard-bounce');
      expect((await gdpr.audit.verify()).ok).toBe(true);
    });

    test(
      'webhook.bad-recipient',
      'one malformed recipient does not drop the valid ones of the same call',
      async () => {
        const { gdpr, handler } = await setup();
        const before = address('before-bad');
        const after = address('after-bad');
        const response = await handler.handle(
          await adapter.genuine([
            { type: 'hard-bounce', email: before },
            { type: 'hard-bounce', email: badRecipient },
            { type: 'hard-bounce', email: after },
          ]),
        );
        acknowledged(response);
        expect((await gdpr.suppression.check(before))?.reason).toBe('hard-bounce');
        expect((await gdpr.suppression.check(after))?.reason).toBe('hard-bounce');
        expect(response.body ?? '').not.toContain(badRecipient);
      },
    );

    test(
      'webhook.unknown-type',
      'an unknown event type is acknowledged and changes nothing',
      async () => {
        const { gdpr, handler } = await setup();
        const someone = address('unknown-type');
        acknowledged(
          await handler.handle(await adapter.genuine([{ type: 'unknown', email: someone }])),
        );
        expect(await gdpr.suppression.check(someone)).toBeUndefined();
        expect(await auditCount(gdpr)).toBe(0);
      },
    );

    // A mistyped id would silently run the test it meant to skip: fail instead.
    for (const id of Object.keys(options.skip ?? {})) {
      if (!(TEST_IDS as readonly string[]).includes(id)) {
        it(`options.skip names a known test (${id})`, () => {
          throw new Error(`options.skip names ${id}, which is no webhook conformance test.`);
        });
      }
    }
  });
}
