import type { CoreContext } from '../context.js';
import type { GdprMail } from '../gdpr-mail.js';
import type { Telemetry } from './telemetry.js';
import type { TracedStore } from './traced-store.js';

type AnyMethod = (...args: unknown[]) => unknown;

/** One method of one service object, with its plain and its traced version. */
interface Swap {
  target: Record<string, unknown>;
  key: string;
  plain: unknown;
  traced: AnyMethod;
}

function asyncSwap(telemetry: Telemetry, target: object, key: string, name: string): Swap {
  const record = target as Record<string, unknown>;
  const plain = record[key] as AnyMethod;
  const call = plain.bind(target) as (...args: unknown[]) => Promise<unknown>;
  return {
    target: record,
    key,
    plain,
    traced: (...args) => telemetry.span(name, {}, () => call(...args)),
  };
}

function streamSwap(telemetry: Telemetry, target: object, key: string, name: string): Swap {
  const record = target as Record<string, unknown>;
  const plain = record[key] as AnyMethod;
  const call = plain.bind(target) as (...args: unknown[]) => AsyncIterable<unknown>;
  return {
    target: record,
    key,
    plain,
    traced: (...args) => telemetry.iterate(name, {}, call(...args)),
  };
}

/**
 * Spans around the operations a production team watches (consent checks, sends, campaign
 * batches, DSAR exports and erasures, retention sweeps, store calls) and counters fed by the
 * events. The traced versions are swapped in only while a tracer provider is registered
 * (checked every second); the rest of the time every method is the plain one, at no cost.
 * Counters do not wait for one: they are recorded whenever a MeterProvider is registered.
 * Attribute values are purpose ids, outcomes and counts, never an address. Returns the
 * function that stops watching (at close).
 */
export function instrument(gdpr: GdprMail, ctx: CoreContext, store: TracedStore): () => void {
  const { telemetry, events } = ctx;
  const canSend = gdpr.canSend;
  const swaps: Swap[] = [
    {
      target: gdpr as unknown as Record<string, unknown>,
      key: 'canSend',
      plain: canSend,
      traced: ((email: string, purposeId: string, context?: Parameters<typeof canSend>[2]) =>
        telemetry.span(
          'gdpr_mail.can_send',
          { 'gdpr_mail.purpose.id': purposeId },
          async (span) => {
            const decision = await canSend(email, purposeId, context);
            span?.setAttribute('gdpr_mail.decision.allowed', decision.allowed);
            span?.setAttribute('gdpr_mail.decision.reason', decision.reason);
            return decision;
          },
        )) as AnyMethod,
    },
    asyncSwap(telemetry, gdpr.mailer, 'send', 'gdpr_mail.mail.send'),
    // Campaigns send through sendMany a batch at a time: one span per batch.
    asyncSwap(telemetry, gdpr.mailer, 'sendMany', 'gdpr_mail.mail.send_many'),
    asyncSwap(telemetry, gdpr.mailer, 'sendSystem', 'gdpr_mail.mail.send_system'),
    asyncSwap(telemetry, gdpr.campaigns, 'run', 'gdpr_mail.campaign.run'),
    asyncSwap(telemetry, gdpr.dsar, 'erase', 'gdpr_mail.dsar.erase'),
    streamSwap(telemetry, gdpr.dsar, 'exportJson', 'gdpr_mail.dsar.export'),
    streamSwap(telemetry, gdpr.dsar, 'exportCsv', 'gdpr_mail.dsar.export'),
    streamSwap(telemetry, gdpr.dsar, 'adminExport', 'gdpr_mail.dsar.export'),
    asyncSwap(telemetry, gdpr.retention, 'sweep', 'gdpr_mail.retention.sweep'),
    asyncSwap(telemetry, gdpr.erasures, 'replay', 'gdpr_mail.erasures.replay'),
  ];

  events.on('mail.sent', (e) => {
    telemetry.count('gdpr_mail.mail.sent', { 'gdpr_mail.purpose.id': e.purposeId });
  });
  events.on('mail.denied', (e) => {
    telemetry.count('gdpr_mail.mail.denied', {
      'gdpr_mail.purpose.id': e.purposeId,
      'gdpr_mail.decision.reason': e.reason,
    });
  });
  events.on('consent.changed', (e) => {
    telemetry.count('gdpr_mail.consent.changed', {
      'gdpr_mail.purpose.id': e.purposeId,
      'gdpr_mail.consent.event': e.type,
    });
  });
  events.on('subject.erased', (e) => {
    telemetry.count('gdpr_mail.subject.erased', { 'gdpr_mail.erasure.reason': e.reason });
  });

  return telemetry.watch((active) => {
    for (const swap of swaps) swap.target[swap.key] = active ? swap.traced : swap.plain;
    store.setActive(active);
  });
}
