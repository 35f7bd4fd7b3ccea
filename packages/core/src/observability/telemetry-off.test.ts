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
import { afterEach, describe, expect, it } from 'vitest';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';

const email = 'telemetry-off@example.org';

describe('telemetry: false (docs/observability.md#opentelemetry)', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('turns spans and counters off, with both providers registered', async () => {
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    );
    const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: exported,
      exportIntervalMillis: 3_600_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const { gdpr } = testGdpr({ telemetry: false });
    try {
      const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
      await gdpr.optIn.confirm(token);
      expect((await gdpr.canSend(email, 'newsletter')).allowed).toBe(true);
      await gdpr.mailer.send({ to: email, purposeId: 'newsletter', subject: 'S', text: 'T' });
      await gdpr.mailer.send({ to: email, purposeId: 'partners', subject: 'S', text: 'T' });
      await reader.forceFlush();
      expect(spans.getFinishedSpans()).toEqual([]);
      const names = exported
        .getMetrics()
        .flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics))
        .map((m) => m.descriptor.name);
      expect(names.filter((name) => name.startsWith('gdpr_mail.'))).toEqual([]);
    } finally {
      await gdpr.close();
    }
  });
});
