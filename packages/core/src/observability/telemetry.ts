import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The part of `@opentelemetry/api` (1.x) the SDK uses; the package is an optional peer. */
interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number }): unknown;
  end(): void;
}
interface Tracer {
  startSpan(name: string, options: { attributes?: Attributes; kind?: number }): Span;
  startActiveSpan<T>(
    name: string,
    options: { attributes?: Attributes; kind?: number },
    fn: (span: Span) => T,
  ): T;
}
interface Counter {
  add(value: number, attributes?: Attributes): void;
}
interface Meter {
  createCounter(name: string, options?: { description?: string; unit?: string }): Counter;
}
interface OtelApi {
  trace: {
    getTracerProvider(): { getDelegate?(): unknown };
    getTracer(name: string, version?: string): Tracer;
  };
  metrics: { getMeterProvider(): unknown; getMeter(name: string, version?: string): Meter };
  /** Since API 1.3 (the peer range starts at 1.9). */
  createNoopMeter?(): Meter;
  ProxyTracerProvider: new () => { getDelegate(): unknown };
  SpanStatusCode: { ERROR: number };
  SpanKind: { INTERNAL: number; CLIENT: number };
}

export type Attributes = Record<string, string | number | boolean>;

/** What a traced operation may add to its span: outcome attributes, never personal data. */
export interface SpanHandle {
  setAttribute(key: string, value: string | number | boolean): unknown;
}

export interface Telemetry {
  /** True when an OpenTelemetry tracer provider is registered (as of the last check). */
  active(): boolean;
  /**
   * Calls `onChange(true)` when an SDK is registered and `onChange(false)` when it goes,
   * at once if one is there and then from a check every second (an unref'd timer). The traced methods are
   * swapped in only while an SDK is there, so without one the calls cost nothing at all.
   * Returns the function that stops watching.
   */
  watch(onChange: (active: boolean) => void): () => void;
  /** Runs `work` in a span when tracing is on; calls it bare otherwise (no allocation). */
  span<T>(
    name: string,
    attributes: Attributes,
    work: (span?: SpanHandle) => Promise<T>,
  ): Promise<T>;
  /** A span from the first item read to the last (streamed exports). */
  iterate<T>(name: string, attributes: Attributes, source: AsyncIterable<T>): AsyncIterable<T>;
  /**
   * Adds to a monotonic counter when a MeterProvider is registered, whether or not a
   * tracer provider is: metrics and traces are set up separately.
   */
  count(name: string, attributes: Attributes): void;
}

const SCOPE = '@gdpr-mail/core';
const CHECK_EVERY_MS = 1000;

/** No `@opentelemetry/api` installed: nothing is ever traced or counted. */
export const noTelemetry: Telemetry = {
  active: () => false,
  watch: () => () => undefined,
  span: (_name, _attributes, work) => work(),
  iterate: (_name, _attributes, source) => source,
  count: () => undefined,
};

function loadApi(): OtelApi | undefined {
  // From this package first, then from the app (a pnpm app may hold the peer only there).
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      return createRequire(base)('@opentelemetry/api') as OtelApi;
    } catch {
      // Not installed there.
    }
  }
  return undefined;
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Spans and counters through the global OpenTelemetry API when the app installed it; a no-op
 * when it did not.
 */
export function createTelemetry(api: OtelApi | undefined = loadApi()): Telemetry {
  if (!api) return noTelemetry;
  const noop = new api.ProxyTracerProvider().getDelegate();
  // Taken from the registered provider each time tracing turns on: a tracer taken earlier
  // is bound to this API copy's own proxy, which an SDK registered through another copy (the
  // ESM and CJS builds of @opentelemetry/api, say) never reaches.
  let tracer = api.trace.getTracer(SCOPE);
  // A failed operation: status ERROR and `error.type`, never the message (it can quote input).
  const failed = (span: Span, error: unknown) => {
    span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.setAttribute('error.type', errorType(error));
  };
  // Without a MeterProvider the API hands out this very meter (one per API copy).
  const noopMeter = api.createNoopMeter?.();
  let meterProvider: unknown;
  let metering = false;
  let counters = new Map<string, Counter>();
  const registered = () => {
    const provider = api.trace.getTracerProvider();
    return (provider.getDelegate ? provider.getDelegate() : provider) !== noop;
  };
  let on = registered();
  return {
    active: () => on,
    watch(onChange) {
      on = registered();
      let told = on;
      // Nothing to swap while nothing is registered: the plain methods are left untouched
      // (reassigning them, even to themselves, costs V8's constant-field optimisation).
      if (told) onChange(true);
      const timer = setInterval(() => {
        on = registered();
        if (on !== told) {
          told = on;
          if (on) tracer = api.trace.getTracer(SCOPE);
          onChange(on);
        }
      }, CHECK_EVERY_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
    span(name, attributes, work) {
      if (!on) return work();
      return tracer.startActiveSpan(
        name,
        { attributes, kind: api.SpanKind.INTERNAL },
        async (span) => {
          try {
            return await work(span);
          } catch (error) {
            failed(span, error);
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
    iterate(name, attributes, source) {
      if (!on) return source;
      return (async function* traced() {
        const span = tracer.startSpan(name, { attributes, kind: api.SpanKind.INTERNAL });
        let items = 0;
        try {
          for await (const item of source) {
            items += 1;
            yield item;
          }
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.setAttribute('gdpr_mail.chunks', items);
          span.end();
        }
      })();
    },
    count(name, attributes) {
      const provider = api.metrics.getMeterProvider();
      if (provider !== meterProvider) {
        // A MeterProvider registered (or gone) since: counters come from it from now on.
        meterProvider = provider;
        metering = api.metrics.getMeter(SCOPE) !== noopMeter;
        counters = new Map();
      }
      if (!metering) return;
      let counter = counters.get(name);
      if (!counter) {
        counter = api.metrics.getMeter(SCOPE).createCounter(name);
        counters.set(name, counter);
      }
      counter.add(1, attributes);
    },
  };
}
