// Telemetry for the server: the OpenTelemetry SDK and its OTLP exporters (src/telemetry/sdk.ts) are
// loaded only when the settings export at least one signal. Loading them costs ~15 MB of resident
// memory and start-up time (bench/ scenario 4 measures the server's RSS), which a server that
// exports nothing — the default — should not pay. Spans (src/telemetry/trace.ts) go through the
// OpenTelemetry API alone, a no-op while no provider is registered.
import type { Server } from '@hapi/hapi';
import type { ServerLogger } from '../logger.js';
import type { MetricSources } from './metrics.js';
import { startLines, type TelemetrySettings } from './settings.js';

export interface Telemetry {
  /** Spans (traces on) and the request-duration histogram (metrics on) for every API request. */
  instrumentHttp(server: Server): void;
  /** The GET /metrics series, read on each metrics export. */
  observe(sources: MetricSources): void;
  /** Flushes what is queued (bounded: a collector that is away costs at most `SHUTDOWN_MS`) and stops. */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = { instrumentHttp() {}, observe() {}, async shutdown() {} };

export async function startTelemetry(settings: TelemetrySettings, deps: { log: ServerLogger; version: string }): Promise<Telemetry> {
  if (!settings.traces && !settings.metrics && !settings.logs) {
    for (const line of startLines(settings)) deps.log.info(line);
    return OFF;
  }
  const { startSdkTelemetry } = await import('./sdk.js');
  return startSdkTelemetry(settings, deps);
}
