// Starts the OTLP/HTTP exporters the settings ask for (src/telemetry/settings.ts) with the
// OpenTelemetry JS SDK; loaded by start.ts only when at least one signal is exported. Everything is batched and sent in the background: the API and the
// reconciler only hand spans, samples and log records to in-memory queues (bounded: when one is
// full the SDK drops new items), so an unreachable collector never stops or slows the server.
// Export failures are logged once per outage (src/telemetry/export-report.ts).
import { context, propagation, trace, type Histogram } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler as SdkSampler,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { tapLog, type ServerLogger } from '../logger.js';
import { sleep } from '../shared/sleep.js';
import { HEALTHY, reportExport, type ExportState } from './export-report.js';
import { instrumentHttp } from './http.js';
import { logRecordOf } from './log-records.js';
import { observeServer, requestDuration } from './metrics.js';
import { startLines, type Sampler, type TelemetrySettings } from './settings.js';
import type { Telemetry } from './start.js';

const SHUTDOWN_MS = 3000;

function samplerOf(s: Sampler): SdkSampler {
  switch (s.kind) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'parent_based_always_on': return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parent_based_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'ratio': return new TraceIdRatioBasedSampler(s.ratio);
  }
}

interface ExportResultLike { code: number; error?: Error }
type Exporting = { export(items: never, done: (r: ExportResultLike) => void): void };

/** Wraps an exporter's export() so that its outcome reaches the once-per-outage report. */
function reporting<E extends Exporting>(exporter: E, signal: string, url: string, log: ServerLogger, quiet: () => boolean): E {
  let state: ExportState = HEALTHY;
  const original = exporter.export.bind(exporter) as (items: unknown, done: (r: ExportResultLike) => void) => void;
  (exporter as unknown as { export: typeof original }).export = (items, done) => original(items, (result) => {
    const ok = result.code === 0; // ExportResultCode.SUCCESS
    const next = reportExport(state, { ok, ...(result.error ? { error: result.error.message || String(result.error) } : {}) }, Date.now(), { signal, url });
    state = next.state;
    if (next.line && !quiet()) log[next.line.level](next.line.message);
    done(result);
  });
  return exporter;
}

function resourceFor(serviceName: string, version: string): Resource {
  return defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: version }));
}

export function startSdkTelemetry(settings: TelemetrySettings, deps: { log: ServerLogger; version: string }): Telemetry {
  const { log, version } = deps;
  let stopping = false;
  const quiet = () => stopping;

  let tracer: NodeTracerProvider | null = null;
  if (settings.traces) {
    const exporter = reporting(new OTLPTraceExporter({ url: settings.traces.url }), 'trace', settings.traces.url, log, quiet);
    tracer = new NodeTracerProvider({
      resource: resourceFor(settings.traces.serviceName, version),
      sampler: samplerOf(settings.traces.sampler),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    // The global provider, AsyncLocalStorage context and W3C propagation: src/telemetry/trace.ts and
    // the reconciler's spans go through the API.
    tracer.register();
  }

  let meters: MeterProvider | null = null;
  let duration: Histogram | null = null;
  if (settings.metrics) {
    const ms = settings.metrics.intervalSeconds * 1000;
    const exporter = reporting(new OTLPMetricExporter({ url: settings.metrics.url }), 'metrics', settings.metrics.url, log, quiet);
    meters = new MeterProvider({
      resource: resourceFor(settings.metrics.serviceName, version),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: ms, exportTimeoutMillis: Math.min(ms, 30_000) })],
    });
    duration = requestDuration(meters.getMeter('ring', version));
  }

  let loggers: LoggerProvider | null = null;
  let untap: (() => void) | null = null;
  if (settings.logs) {
    const exporter = reporting(new OTLPLogExporter({ url: settings.logs.url }), 'log', settings.logs.url, log, quiet);
    loggers = new LoggerProvider({
      resource: resourceFor(settings.logs.serviceName, version),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    const otel = loggers.getLogger('ring', version);
    untap = tapLog(log, (record) => otel.emit(logRecordOf(record)));
    if (!untap) log.warn('telemetry: this logger cannot be tapped; OTLP log export gets no records');
  }

  for (const line of startLines(settings)) log.info(line);

  return {
    instrumentHttp(server) {
      if (tracer || duration) instrumentHttp(server, { tracing: !!tracer, duration });
    },
    observe(sources) {
      if (meters) observeServer(meters.getMeter('ring', version), sources);
    },
    async shutdown() {
      if (stopping) return;
      stopping = true;
      untap?.();
      const providers = [tracer, meters, loggers].filter((p) => p !== null);
      if (providers.length === 0) return;
      const bound = sleep(SHUTDOWN_MS);
      await Promise.race([Promise.allSettled(providers.map((p) => p.shutdown())), bound.promise]);
      bound.cancel();
      if (tracer) {
        // Unregistered, so a later server in the same process (tests) can register its own.
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
