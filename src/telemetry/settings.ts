// `[server.telemetry.traces|metrics|logs]` plus the OTEL_* environment → what the server exports,
// where, and under which service name. Pure (the table and the environment in, settings out), so
// every rule is table-tested (test/unit/telemetry/settings.test.ts).
//
// ring exports OTLP over HTTP (the SDK's JSON bodies), not OTLP/gRPC as Ring does: a collector
// serves both on its OTLP/HTTP port (4318), which is therefore the default here. Precedence, per
// signal, follows the OpenTelemetry specification:
//   OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT (used as is)
//   > OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: `/v1/<signal>` is appended)
//   > `endpoint` in the TOML (a base URL like the above, unless it already has a path)
//   > http://127.0.0.1:4318.
// OTEL_SERVICE_NAME wins over `service_name`. The environment never turns a signal on by itself:
// `enabled = true` does (as in Ring); an endpoint variable set for a signal that is off is reported.
// A wrong value refuses the start (every problem listed), never a silent default.

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

export type Sampler =
  | { kind: 'always_on' | 'always_off' | 'parent_based_always_on' | 'parent_based_always_off' }
  | { kind: 'ratio'; ratio: number };

export interface SignalExport {
  /** The endpoint as configured (the start-up log line shows it, as Ring's does). */
  endpoint: string;
  /** The URL the exporter POSTs to (`…/v1/<signal>` unless the configured URL names a path). */
  url: string;
  /** Where `endpoint` came from: an environment variable's name, the TOML key, or `default`. */
  source: string;
  serviceName: string;
}

export interface TelemetrySettings {
  traces: (SignalExport & { sampler: Sampler }) | null;
  metrics: (SignalExport & { intervalSeconds: number }) | null;
  logs: SignalExport | null;
}

export interface TelemetryConfig {
  settings: TelemetrySettings;
  /** Each wrong value, with its key; the server refuses to start on any. */
  errors: string[];
  /** Accepted, but worth a line at start-up (an endpoint variable for a signal that is off, gRPC's port). */
  warnings: string[];
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318';
export const DEFAULT_SERVICE_NAME = 'ring-server';
export const DEFAULT_INTERVAL_SECONDS = 15;
export const DEFAULT_SAMPLER: Sampler = { kind: 'parent_based_always_on' };
const SAMPLER_WORDS = ['parent_based_always_on', 'always_on', 'always_off', 'parent_based_always_off'] as const;

const COMMON_KEYS = ['enabled', 'endpoint', 'service_name'];
const KEYS: Record<Signal, string[]> = {
  traces: [...COMMON_KEYS, 'sampler'],
  metrics: [...COMMON_KEYS, 'interval_seconds'],
  logs: COMMON_KEYS,
};
const ENV_SIGNAL: Record<Signal, string> = { traces: 'TRACES', metrics: 'METRICS', logs: 'LOGS' };

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
/** The OpenTelemetry rule: an empty variable is an unset one. */
const envValue = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** An http(s) URL, or null. */
function httpUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** Where a base URL's signal goes: `<base>/v1/<signal>`, the base's own path kept (OTLP/HTTP's rule). */
export function signalUrl(base: string, signal: Signal): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** `always_on`, …, or `ratio:<f>` with 0 ≤ f ≤ 1; null for anything else. */
export function parseSampler(raw: string): Sampler | null {
  const word = raw.trim();
  if ((SAMPLER_WORDS as readonly string[]).includes(word)) return { kind: word as (typeof SAMPLER_WORDS)[number] };
  const m = /^ratio:\s*(\S+)$/.exec(word);
  if (!m) return null;
  const ratio = Number(m[1]);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? { kind: 'ratio', ratio } : null;
}

/**
 * The settings for `[server.telemetry]` (the parsed TOML table, or undefined when absent) and the
 * environment.
 */
export function telemetrySettings(raw: unknown, env: NodeJS.ProcessEnv): TelemetryConfig {
  const errors: string[] = [];
  const warnings: string[] = [];
  const settings: TelemetrySettings = { traces: null, metrics: null, logs: null };
  if (raw !== undefined && !isTable(raw)) {
    return { settings, errors: ['[server.telemetry] must be a table with traces, metrics and logs sections'], warnings };
  }
  const top = raw ?? {};
  for (const k of Object.keys(top)) {
    if (!(SIGNALS as readonly string[]).includes(k)) errors.push(`[server.telemetry] has no '${k}' section (known: ${SIGNALS.join(', ')})`);
  }

  const serviceFromEnv = envValue(env, 'OTEL_SERVICE_NAME');
  const baseFromEnv = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  for (const signal of SIGNALS) {
    const section = `[server.telemetry.${signal}]`;
    const specificVar = `OTEL_EXPORTER_OTLP_${ENV_SIGNAL[signal]}_ENDPOINT`;
    const t = top[signal];
    if (t !== undefined && !isTable(t)) {
      errors.push(`${section} must be a table (e.g. enabled = true)`);
      continue;
    }
    const table = t ?? {};
    for (const k of Object.keys(table)) {
      if (!KEYS[signal].includes(k)) errors.push(`${section} has no key '${k}' (known: ${KEYS[signal].join(', ')})`);
    }
    if (table.enabled !== undefined && typeof table.enabled !== 'boolean') errors.push(`${section} enabled must be true or false`);
    const str = (key: string): string | undefined => {
      const v = table[key];
      if (v === undefined) return undefined;
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      errors.push(`${section} ${key} must be a non-empty string`);
      return undefined;
    };
    const tomlEndpoint = str('endpoint');
    const tomlService = str('service_name');
    if (tomlEndpoint !== undefined && !httpUrl(tomlEndpoint)) {
      errors.push(`${section} endpoint must be an http:// or https:// URL (got ${JSON.stringify(tomlEndpoint)})`);
    }
    let sampler: Sampler = DEFAULT_SAMPLER;
    if (signal === 'traces' && table.sampler !== undefined) {
      const parsed = typeof table.sampler === 'string' ? parseSampler(table.sampler) : null;
      if (parsed) sampler = parsed;
      else errors.push(`${section} sampler must be one of ${SAMPLER_WORDS.join(', ')} or ratio:<0..1> (got ${JSON.stringify(table.sampler)})`);
    }
    let intervalSeconds = DEFAULT_INTERVAL_SECONDS;
    if (signal === 'metrics' && table.interval_seconds !== undefined) {
      const v = table.interval_seconds;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1) intervalSeconds = v;
      else errors.push(`${section} interval_seconds must be a whole number of seconds ≥ 1 (got ${JSON.stringify(v)})`);
    }

    const specific = envValue(env, specificVar);
    if (table.enabled !== true) {
      if (specific) warnings.push(`telemetry: ${specificVar} is set but ${section} enabled is not true: no ${signal} are exported`);
      continue;
    }

    // The endpoint, from the strongest source.
    let endpoint: string;
    let url: string;
    let source: string;
    if (specific) {
      [endpoint, url, source] = [specific, specific, specificVar];
    } else if (baseFromEnv) {
      [endpoint, url, source] = [baseFromEnv, signalUrl(baseFromEnv, signal), 'OTEL_EXPORTER_OTLP_ENDPOINT'];
    } else if (tomlEndpoint) {
      const u = httpUrl(tomlEndpoint);
      const hasPath = !!u && u.pathname !== '/' && u.pathname !== '';
      [endpoint, url, source] = [tomlEndpoint, hasPath ? tomlEndpoint : signalUrl(tomlEndpoint, signal), `${section} endpoint`];
    } else {
      [endpoint, url, source] = [DEFAULT_ENDPOINT, signalUrl(DEFAULT_ENDPOINT, signal), 'default'];
    }
    if (source !== `${section} endpoint`) {
      const u = httpUrl(endpoint);
      if (!u) {
        errors.push(`${source} must be an http:// or https:// URL (got ${JSON.stringify(endpoint)})`);
        continue;
      }
    }
    if (httpUrl(url)?.port === '4317') {
      warnings.push(`telemetry: ${endpoint} (${source}) uses port 4317, OTLP/gRPC's; ring exports OTLP/HTTP, which collectors serve on 4318`);
    }

    // ring sends OTLP/HTTP; a protocol variable asking for gRPC would otherwise be ignored.
    for (const name of [`OTEL_EXPORTER_OTLP_${ENV_SIGNAL[signal]}_PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
      const protocol = envValue(env, name);
      if (protocol === undefined) continue;
      if (protocol !== 'http/json' && protocol !== 'http/protobuf') {
        errors.push(`${name}=${protocol} is not supported: ring exports ${signal} over OTLP/HTTP (http/json); point the endpoint at the collector's OTLP/HTTP port (4318)`);
      }
      break; // the signal's own variable, when set, is the one that counts
    }

    const common: SignalExport = { endpoint, url, source, serviceName: serviceFromEnv ?? tomlService ?? DEFAULT_SERVICE_NAME };
    if (signal === 'traces') settings.traces = { ...common, sampler };
    else if (signal === 'metrics') settings.metrics = { ...common, intervalSeconds };
    else settings.logs = common;
  }
  if (baseFromEnv && !settings.traces && !settings.metrics && !settings.logs && errors.length === 0) {
    warnings.push('telemetry: OTEL_EXPORTER_OTLP_ENDPOINT is set but no [server.telemetry.traces|metrics|logs] section has enabled = true: nothing is exported');
  }
  return { settings, errors, warnings };
}

/** The start-up lines (RING.md §10), one per exported signal. */
export function startLines(s: TelemetrySettings): string[] {
  const lines: string[] = [];
  if (s.traces) lines.push(`telemetry: OTLP trace export enabled (${s.traces.endpoint})`);
  if (s.metrics) lines.push(`telemetry: OTLP metrics export enabled (${s.metrics.endpoint}, every ${s.metrics.intervalSeconds}s)`);
  if (s.logs) lines.push(`telemetry: OTLP log export enabled (${s.logs.endpoint})`);
  return lines;
}
