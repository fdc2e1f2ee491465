// [server.telemetry.*] + OTEL_* → what is exported where (src/telemetry/settings.ts), as tables.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { parseSampler, signalUrl, startLines, telemetrySettings, type TelemetryConfig } from '../../../src/telemetry/settings.js';

const of = (toml: string, env: NodeJS.ProcessEnv = {}): TelemetryConfig => {
  const doc = parseToml(toml) as { server?: { telemetry?: unknown } };
  return telemetrySettings(doc.server?.telemetry, env);
};

describe('telemetry settings: what is exported', () => {
  test('nothing configured: nothing exported, nothing to say', () => {
    assert.deepEqual(of(''), { settings: { traces: null, metrics: null, logs: null }, errors: [], warnings: [] });
  });

  test('enabled with no endpoint: OTLP/HTTP on 127.0.0.1:4318, ring-server, the defaults', () => {
    const { settings, errors } = of('[server.telemetry.traces]\nenabled = true\n[server.telemetry.metrics]\nenabled = true\n[server.telemetry.logs]\nenabled = true');
    assert.deepEqual(errors, []);
    assert.deepEqual(settings.traces, {
      endpoint: 'http://127.0.0.1:4318', url: 'http://127.0.0.1:4318/v1/traces', source: 'default', serviceName: 'ring-server',
      sampler: { kind: 'parent_based_always_on' },
    });
    assert.deepEqual(settings.metrics, {
      endpoint: 'http://127.0.0.1:4318', url: 'http://127.0.0.1:4318/v1/metrics', source: 'default', serviceName: 'ring-server', intervalSeconds: 15,
    });
    assert.deepEqual(settings.logs, { endpoint: 'http://127.0.0.1:4318', url: 'http://127.0.0.1:4318/v1/logs', source: 'default', serviceName: 'ring-server' });
  });

  test('enabled = false, or a section without enabled, exports nothing', () => {
    const { settings } = of('[server.telemetry.traces]\nenabled = false\nendpoint = "http://c:4318"\n[server.telemetry.logs]\nservice_name = "x"');
    assert.deepEqual(settings, { traces: null, metrics: null, logs: null });
  });
});

describe('telemetry settings: endpoint precedence (per signal)', () => {
  const toml = '[server.telemetry.traces]\nenabled = true\nendpoint = "http://toml:4318"';
  const rows: { name: string; env: NodeJS.ProcessEnv; toml?: string; endpoint: string; url: string; source: string }[] = [
    { name: 'TOML base URL: /v1/traces appended', env: {}, endpoint: 'http://toml:4318', url: 'http://toml:4318/v1/traces', source: '[server.telemetry.traces] endpoint' },
    { name: 'TOML URL with a trailing slash', env: {}, toml: '[server.telemetry.traces]\nenabled = true\nendpoint = "http://toml:4318/"', endpoint: 'http://toml:4318/', url: 'http://toml:4318/v1/traces', source: '[server.telemetry.traces] endpoint' },
    { name: 'TOML URL with a path: used as is', env: {}, toml: '[server.telemetry.traces]\nenabled = true\nendpoint = "https://toml/otlp/v1/traces"', endpoint: 'https://toml/otlp/v1/traces', url: 'https://toml/otlp/v1/traces', source: '[server.telemetry.traces] endpoint' },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT beats TOML, its path kept', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318/otlp/' }, endpoint: 'http://base:4318/otlp/', url: 'http://base:4318/otlp/v1/traces', source: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
    { name: 'the signal variable beats both, used as is', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://own:9999/t' }, endpoint: 'http://own:9999/t', url: 'http://own:9999/t', source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' },
    { name: 'another signal\'s variable does not count', env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:1/v1/logs' }, endpoint: 'http://toml:4318', url: 'http://toml:4318/v1/traces', source: '[server.telemetry.traces] endpoint' },
    { name: 'an empty variable is unset', env: { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '  ' }, endpoint: 'http://toml:4318', url: 'http://toml:4318/v1/traces', source: '[server.telemetry.traces] endpoint' },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const c = of(r.toml ?? toml, r.env);
      assert.deepEqual(c.errors, []);
      assert.equal(c.settings.traces?.endpoint, r.endpoint);
      assert.equal(c.settings.traces?.url, r.url);
      assert.equal(c.settings.traces?.source, r.source);
    });
  }

  test('each signal gets its own path from one base', () => {
    const c = of('[server.telemetry.metrics]\nenabled = true\n[server.telemetry.logs]\nenabled = true', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' });
    assert.equal(c.settings.metrics?.url, 'http://c:4318/v1/metrics');
    assert.equal(c.settings.logs?.url, 'http://c:4318/v1/logs');
  });
});

describe('telemetry settings: service name, sampler, interval', () => {
  test('OTEL_SERVICE_NAME beats service_name; service_name is per signal', () => {
    const toml = '[server.telemetry.traces]\nenabled = true\nservice_name = "t"\n[server.telemetry.logs]\nenabled = true\nservice_name = "l"';
    assert.equal(of(toml).settings.traces?.serviceName, 't');
    assert.equal(of(toml).settings.logs?.serviceName, 'l');
    assert.equal(of(toml, { OTEL_SERVICE_NAME: 'env' }).settings.traces?.serviceName, 'env');
    assert.equal(of(toml, { OTEL_SERVICE_NAME: 'env' }).settings.logs?.serviceName, 'env');
  });

  const samplers: [string, unknown][] = [
    ['always_on', { kind: 'always_on' }], ['always_off', { kind: 'always_off' }],
    ['parent_based_always_on', { kind: 'parent_based_always_on' }], ['parent_based_always_off', { kind: 'parent_based_always_off' }],
    ['ratio:0.25', { kind: 'ratio', ratio: 0.25 }], ['ratio:0', { kind: 'ratio', ratio: 0 }], ['ratio:1', { kind: 'ratio', ratio: 1 }],
    ['ratio:1.5', null], ['ratio:-0.1', null], ['ratio:', null], ['ratio:abc', null], ['sometimes', null], ['ALWAYS_ON', null],
  ];
  for (const [raw, want] of samplers) test(`sampler ${JSON.stringify(raw)}`, () => assert.deepEqual(parseSampler(raw), want));

  test('interval_seconds: a whole number ≥ 1', () => {
    const m = (v: string) => of(`[server.telemetry.metrics]\nenabled = true\ninterval_seconds = ${v}`);
    assert.equal(m('1').settings.metrics?.intervalSeconds, 1);
    assert.equal(m('60').settings.metrics?.intervalSeconds, 60);
    for (const bad of ['0', '-5', '1.5', '"15"']) {
      assert.deepEqual(m(bad).errors, [`[server.telemetry.metrics] interval_seconds must be a whole number of seconds ≥ 1 (got ${bad === '"15"' ? '"15"' : bad})`], bad);
    }
  });
});

describe('telemetry settings: wrong values are errors (the server refuses to start)', () => {
  const rows: [toml: string, env: NodeJS.ProcessEnv, errors: string[]][] = [
    ['[server]\ntelemetry = 3', {}, ['[server.telemetry] must be a table with traces, metrics and logs sections']],
    ['[server.telemetry.tracing]\nenabled = true', {}, ["[server.telemetry] has no 'tracing' section (known: traces, metrics, logs)"]],
    ['[server.telemetry]\ntraces = "on"', {}, ['[server.telemetry.traces] must be a table (e.g. enabled = true)']],
    ['[server.telemetry.traces]\nenabled = "yes"', {}, ['[server.telemetry.traces] enabled must be true or false']],
    ['[server.telemetry.logs]\nenabled = true\ninterval_seconds = 5', {}, ["[server.telemetry.logs] has no key 'interval_seconds' (known: enabled, endpoint, service_name)"]],
    ['[server.telemetry.metrics]\nenabled = true\nsampler = "always_on"', {}, ["[server.telemetry.metrics] has no key 'sampler' (known: enabled, endpoint, service_name, interval_seconds)"]],
    ['[server.telemetry.traces]\nenabled = true\nendpoint = "127.0.0.1:4318"', {}, ['[server.telemetry.traces] endpoint must be an http:// or https:// URL (got "127.0.0.1:4318")']],
    ['[server.telemetry.traces]\nenabled = true\nendpoint = "grpc://c:4317"', {}, ['[server.telemetry.traces] endpoint must be an http:// or https:// URL (got "grpc://c:4317")']],
    ['[server.telemetry.traces]\nenabled = true\nendpoint = ""', {}, ['[server.telemetry.traces] endpoint must be a non-empty string']],
    ['[server.telemetry.logs]\nenabled = true\nservice_name = 7', {}, ['[server.telemetry.logs] service_name must be a non-empty string']],
    ['[server.telemetry.traces]\nenabled = true\nsampler = 0.5', {}, ['[server.telemetry.traces] sampler must be one of parent_based_always_on, always_on, always_off, parent_based_always_off or ratio:<0..1> (got 0.5)']],
    ['[server.telemetry.traces]\nenabled = true', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, ['OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "collector:4318")']],
    ['[server.telemetry.logs]\nenabled = true', { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'nope' }, ['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT must be an http:// or https:// URL (got "nope")']],
    ['[server.telemetry.traces]\nenabled = true', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, ["OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: ring exports traces over OTLP/HTTP (http/json); point the endpoint at the collector's OTLP/HTTP port (4318)"]],
    ['[server.telemetry.metrics]\nenabled = true', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' }, []],
    ['[server.telemetry.metrics]\nenabled = true', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }, ["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc is not supported: ring exports metrics over OTLP/HTTP (http/json); point the endpoint at the collector's OTLP/HTTP port (4318)"]],
    // A wrong value in a section that is off is still refused: it would be ignored otherwise.
    ['[server.telemetry.traces]\nenabled = false\nsampler = "never"', {}, ['[server.telemetry.traces] sampler must be one of parent_based_always_on, always_on, always_off, parent_based_always_off or ratio:<0..1> (got "never")']],
    // A variable only counts when its signal is on.
    ['', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, []],
  ];
  for (const [toml, env, errors] of rows) {
    test(`${toml.replace(/\n/g, ' ')} ${JSON.stringify(env)}`, () => assert.deepEqual(of(toml, env).errors, errors));
  }

  test('every problem is listed, not just the first', () => {
    const c = of('[server.telemetry.traces]\nenabled = 1\nsampler = "x"\n[server.telemetry.metrics]\ninterval_seconds = 0');
    assert.equal(c.errors.length, 3, c.errors.join('\n'));
  });
});

describe('telemetry settings: warnings', () => {
  test('an endpoint variable for a signal that is off is reported', () => {
    assert.deepEqual(of('', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).warnings, [
      'telemetry: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set but [server.telemetry.traces] enabled is not true: no traces are exported',
    ]);
    assert.deepEqual(of('', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).warnings, [
      'telemetry: OTEL_EXPORTER_OTLP_ENDPOINT is set but no [server.telemetry.traces|metrics|logs] section has enabled = true: nothing is exported',
    ]);
    assert.deepEqual(of('[server.telemetry.logs]\nenabled = true', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).warnings, []);
  });

  test("Ring's OTLP/gRPC port 4317 is accepted with a warning", () => {
    const c = of('[server.telemetry.traces]\nenabled = true\nendpoint = "http://127.0.0.1:4317"');
    assert.deepEqual(c.errors, []);
    assert.equal(c.settings.traces?.url, 'http://127.0.0.1:4317/v1/traces');
    assert.deepEqual(c.warnings, ["telemetry: http://127.0.0.1:4317 ([server.telemetry.traces] endpoint) uses port 4317, OTLP/gRPC's; ring exports OTLP/HTTP, which collectors serve on 4318"]);
  });
});

describe('telemetry start-up lines', () => {
  test("Ring's wording, the configured endpoint, the metrics interval", () => {
    const c = of('[server.telemetry.traces]\nenabled = true\nendpoint = "http://c:4318"\n[server.telemetry.metrics]\nenabled = true\ninterval_seconds = 30\n[server.telemetry.logs]\nenabled = true', { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://l:1/v1/logs' });
    assert.deepEqual(startLines(c.settings), [
      'telemetry: OTLP trace export enabled (http://c:4318)',
      'telemetry: OTLP metrics export enabled (http://127.0.0.1:4318, every 30s)',
      'telemetry: OTLP log export enabled (http://l:1/v1/logs)',
    ]);
    assert.deepEqual(startLines(of('').settings), []);
  });

  test('signalUrl keeps the base path and drops trailing slashes', () => {
    assert.equal(signalUrl('http://c:4318', 'logs'), 'http://c:4318/v1/logs');
    assert.equal(signalUrl('http://c:4318/a//', 'traces'), 'http://c:4318/a/v1/traces');
  });
});
