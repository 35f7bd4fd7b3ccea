import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendAuditEntry } from '../audit/audit-chain.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';
import { withEventsAfterCommit } from './after-commit.js';
import type { GdprEventMap, GdprEventName, GdprEvents } from './gdpr-events.js';
import { createEventBus } from './gdpr-events.js';
import type { GdprLogger } from './logger.js';
import { holdsPersonalData, safeLogger } from './logger.js';

const email = 'observed.person@example.org';

/** Registers a global tracer provider whose finished spans the test reads. */
function captureSpans(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  return exporter;
}

/** Registers a global meter provider; `read()` flushes it and returns every metric so far. */
function captureMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exported only when the test flushes: an hour is never reached.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    async read() {
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics));
    },
  };
}

function captureLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message?: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    lines.push({ level, fields, ...(message === undefined ? {} : { message }) });
  const logger: GdprLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

function record<N extends GdprEventName>(gdpr: { events: GdprEvents }, name: N) {
  const seen: GdprEventMap[N][] = [];
  gdpr.events.on(name, (event) => {
    seen.push(event);
  });
  return seen;
}

describe('gdpr.events', () => {
  it('tells the app of consent, mail, DSAR, breach and erasure, with pseudonymous ids only', async () => {
    const { gdpr } = testGdpr();
    const consent = record(gdpr, 'consent.changed');
    const sent = record(gdpr, 'mail.sent');
    const denied = record(gdpr, 'mail.denied');
    const dsar = record(gdpr, 'dsar.received');
    const breaches = record(gdpr, 'breach.recorded');
    const erased = record(gdpr, 'subject.erased');
    const audit = record(gdpr, 'audit.appended');

    const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
    await gdpr.optIn.confirm(token);
    expect(consent.map((e) => [e.purposeId, e.type])).toEqual([
      ['newsletter', 'requested'],
      ['newsletter', 'confirmed'],
    ]);
    const subjectId = consent[0]!.subjectId;

    await gdpr.mailer.send({ to: email, purposeId: 'newsletter', subject: 'Hi', text: 'News' });
    await gdpr.mailer.send({ to: email, purposeId: 'partners', subject: 'Hi', text: 'Offer' });
    expect(sent).toEqual([
      expect.objectContaining({ subjectRef: subjectId, purposeId: 'newsletter' }),
    ]);
    expect(denied).toEqual([
      expect.objectContaining({
        subjectRef: subjectId,
        purposeId: 'partners',
        reason: 'no-consent',
      }),
    ]);

    await gdpr.dsar.request({ email, type: 'erasure' });
    expect(dsar).toEqual([expect.objectContaining({ type: 'erasure', subjectRef: subjectId })]);

    await gdpr.breaches.open({
      title: 'Laptop lost',
      awareAt: new Date('2026-03-01T08:00:00Z'),
      nature: {
        description: 'A laptop with an export was lost.',
        subjectCategories: ['newsletter subscribers'],
        approxSubjects: 10,
        recordCategories: ['email address'],
        approxRecords: 10,
      },
      likelyConsequences: 'Unsolicited mail.',
      measures: 'Disk encrypted.',
      risk: 'unlikely',
      actor: 'admin:1',
    });
    expect(breaches).toHaveLength(1);

    expect(await gdpr.subjects.delete(email, { actor: 'admin:1' })).toBe(true);
    expect(erased).toEqual([expect.objectContaining({ subjectId, reason: 'admin' })]);
    expect(audit.length).toBeGreaterThan(3);
    // Nothing personal in any event the app receives.
    expect(JSON.stringify([consent, sent, denied, dsar, breaches, erased, audit])).not.toContain(
      'observed.person',
    );
    await gdpr.close();
  });

  it('fires nothing for a transaction that rolls back, and once for the one that commits', async () => {
    const bus = createEventBus(captureLogger().logger);
    const store = withEventsAfterCommit(new MemoryStore(), bus);
    const seen: string[] = [];
    bus.on('audit.appended', (entry) => {
      seen.push(entry.action);
    });
    await expect(
      store.transaction(async (tx) => {
        await appendAuditEntry(tx, { actor: 'system', action: 'test.rolled-back' }, new Date());
        expect(seen).toEqual([]); // not before the commit
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await store.transaction(async (tx) => {
      await appendAuditEntry(tx, { actor: 'system', action: 'test.committed' }, new Date());
    });
    await appendAuditEntry(store, { actor: 'system', action: 'test.direct' }, new Date());
    expect(seen).toEqual(['test.committed', 'test.direct']);
  });

  it('a failing listener neither breaks the operation nor stops the others; it is logged', async () => {
    const { logger, lines } = captureLogger();
    const { gdpr } = testGdpr({ logger });
    const seen: string[] = [];
    gdpr.events.on('consent.changed', () => {
      throw new Error(`listener saw ${email}`);
    });
    gdpr.events.on('consent.changed', async () => {
      throw new Error('async failure');
    });
    const off = gdpr.events.on('consent.changed', (e) => {
      seen.push(e.type);
    });
    const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
    off();
    await gdpr.optIn.confirm(token);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['requested']);
    expect(lines.filter((l) => l.level === 'error').length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(lines)).not.toContain(email);
    await gdpr.close();
  });
});

describe('safeLogger', () => {
  it('redacts addresses and signed tokens from messages and fields, and reduces errors to name and code', async () => {
    const { logger, lines } = captureLogger();
    const { gdpr } = testGdpr();
    const token = gdpr.tokens.sign({
      type: 'unsubscribe',
      subjectId: 's-1',
      purposes: ['newsletter'],
    });
    // Not counted: the suite's log check counts redactions of the SDK's own call sites.
    const safe = safeLogger(logger, { countRedactions: false });
    safe.warn(
      {
        to: 'Camille <camille@example.org>',
        nested: { link: `https://x.test/u/${token}` },
        err: new Error(email),
      },
      `failed for ${email} with ${token}`,
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('camille@example.org');
    expect(text).not.toContain(email);
    expect(text).not.toContain(token);
    expect(lines[0]!.fields).toMatchObject({ to: 'Camille <[redacted]>', err: { name: 'Error' } });
    await gdpr.close();
  });

  it('redacts addresses used as object keys, and addresses without a dotted domain', () => {
    const { logger, lines } = captureLogger();
    const safe = safeLogger(logger, { countRedactions: false });
    safe.info(
      {
        byAddress: { 'camille@example.org': 2, 'ops@localhost': 1 },
        to: 'root@mailhost',
        literal: 'admin@[192.0.2.1]',
      },
      'bounce for postmaster@intranet',
    );
    const text = JSON.stringify(lines);
    for (const address of [
      'camille@example.org',
      'ops@localhost',
      'root@mailhost',
      'admin@[192.0.2.1]',
      'postmaster@intranet',
    ]) {
      expect(text).not.toContain(address);
    }
    expect(lines[0]).toMatchObject({
      fields: { to: '[redacted]', literal: '[redacted]' },
      message: 'bounce for [redacted]',
    });
    expect(Object.keys(lines[0]!.fields.byAddress as object)).toEqual(['[redacted]']);
    expect(holdsPersonalData('ops@localhost')).toBe(true);
    // Not an address: nothing before the @.
    expect(holdsPersonalData('@gdpr-mail/core')).toBe(false);
  });

  it('is silent by default: no logger, no output, and a throwing logger breaks nothing', async () => {
    const throwing: GdprLogger = {
      debug: () => {
        throw new Error('x');
      },
      info: () => {
        throw new Error('x');
      },
      warn: () => {
        throw new Error('x');
      },
      error: () => {
        throw new Error('x');
      },
    };
    expect(() => safeLogger(throwing).error({ a: 1 }, 'm')).not.toThrow();
  });
});

describe('OpenTelemetry', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('records spans around consent checks, sends and store calls, without personal data', async () => {
    const exporter = captureSpans();
    const { gdpr } = testGdpr();
    const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
    await gdpr.optIn.confirm(token);
    const decision = await gdpr.canSend(email, 'newsletter');
    expect(decision.allowed).toBe(true);
    await gdpr.mailer.sendMany([{ to: email, purposeId: 'newsletter', subject: 'S', text: 'T' }]);
    await gdpr.retention.sweep();

    const spans = exporter.getFinishedSpans();
    const names = new Set(spans.map((s) => s.name));
    expect(names).toContain('gdpr_mail.can_send');
    expect(names).toContain('gdpr_mail.mail.send_many');
    expect(names).toContain('gdpr_mail.retention.sweep');
    expect([...names].some((n) => n.startsWith('gdpr_mail.store '))).toBe(true);
    const check = spans.find((s) => s.name === 'gdpr_mail.can_send')!;
    expect(check.attributes).toMatchObject({
      'gdpr_mail.purpose.id': 'newsletter',
      'gdpr_mail.decision.allowed': true,
      'gdpr_mail.decision.reason': 'consent-granted',
    });
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))).not.toContain('@');
    await gdpr.close();
  });

  it('marks a failed operation with error.type, and counts sends and denials', async () => {
    const exporter = captureSpans();
    const metricReader = captureMetrics();
    const { gdpr } = testGdpr();
    await expect(gdpr.canSend(email, 'no-such-purpose')).rejects.toMatchObject({
      code: 'UNKNOWN_PURPOSE',
    });
    await gdpr.mailer.send({ to: email, purposeId: 'newsletter', subject: 'S', text: 'T' });
    const failed = exporter.getFinishedSpans().find((s) => s.name === 'gdpr_mail.can_send')!;
    expect(failed.attributes['error.type']).toBe('UNKNOWN_PURPOSE');
    const exported = await metricReader.read();
    const denied = exported.find((m) => m.descriptor.name === 'gdpr_mail.mail.denied');
    expect(denied?.dataPoints[0]).toMatchObject({
      value: 1,
      attributes: {
        'gdpr_mail.purpose.id': 'newsletter',
        'gdpr_mail.decision.reason': 'no-consent',
      },
    });
    await gdpr.close();
  });

  it('counts with a MeterProvider alone, no tracer registered', async () => {
    const metricReader = captureMetrics();
    const { gdpr } = testGdpr();
    const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
    await gdpr.optIn.confirm(token);
    await gdpr.mailer.send({ to: email, purposeId: 'newsletter', subject: 'S', text: 'T' });
    const exported = await metricReader.read();
    const sent = exported.find((m) => m.descriptor.name === 'gdpr_mail.mail.sent');
    expect(sent?.dataPoints[0]).toMatchObject({
      value: 1,
      attributes: { 'gdpr_mail.purpose.id': 'newsletter' },
    });
    expect(exported.map((m) => m.descriptor.name)).toContain('gdpr_mail.consent.changed');
    await gdpr.close();
  });

  it('picks up an SDK registered after createGdprMail, and lets go when it goes', async () => {
    const { gdpr } = testGdpr();
    const plain = gdpr.canSend;
    await gdpr.canSend(email, 'newsletter');
    const exporter = captureSpans();
    // The SDK looks once a second: within a few, checks are traced.
    await vi.waitFor(
      async () => {
        await gdpr.canSend(email, 'newsletter');
        expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('gdpr_mail.can_send');
      },
      { timeout: 5_000, interval: 200 },
    );
    expect(gdpr.canSend).not.toBe(plain);
    trace.disable();
    await vi.waitFor(() => expect(gdpr.canSend).toBe(plain), { timeout: 5_000, interval: 200 });
    await gdpr.close();
  });

  it('telemetry: false turns spans and counters off, with both providers registered (docs/observability.md#opentelemetry)', async () => {
    const spans = captureSpans();
    const metricReader = captureMetrics();
    const { gdpr } = testGdpr({ telemetry: false });
    try {
      const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
      await gdpr.optIn.confirm(token);
      expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
      await gdpr.mailer.send({ to: email, purposeId: 'newsletter', subject: 'S', text: 'T' });
      await gdpr.mailer.send({ to: email, purposeId: 'partners', subject: 'S', text: 'T' });
      expect(spans.getFinishedSpans()).toEqual([]);
      const names = (await metricReader.read()).map((m) => m.descriptor.name);
      expect(names.filter((name) => name.startsWith('gdpr_mail.'))).toEqual([]);
    } finally {
      await gdpr.close();
    }
  });
});
