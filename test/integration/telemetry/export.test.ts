// OTLP/HTTP export from a real `ring server start` (a child process, as a user runs it) to a
// collector this test runs on 127.0.0.1. The server runs against a stand-in Docker socket
// (test/helpers/docker-stub.ts): nothing here needs a container, so the shared daemon is untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, freePort, type ServerProcess } from '../../helpers/server-process.js';
import { startDockerStub, type DockerStub } from '../../helpers/docker-stub.js';
import { cliEnv, ringCli, waitFor } from '../../helpers/processes.js';
import { logRecords, metrics, spans, startReceiver, type Receiver } from './receiver.js';

/** The OTEL_* variables a developer's shell may carry, cleared so only the test's own count. */
const NO_OTEL_ENV: Record<string, undefined> = Object.fromEntries([
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_RESOURCE_ATTRIBUTES',
].map((k) => [k, undefined]));

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'changeme' }) });
  assert.equal(r.status, 200);
  return ((await r.json()) as { token: string }).token;
}

describe('OTLP export to a collector', () => {
  let docker: DockerStub;
  let collector: Receiver;
  let srv: ServerProcess;
  const service = `ring-otel-test-${randomBytes(3).toString('hex')}`;
  const deployment = `otel-${randomBytes(3).toString('hex')}`;

  before(async () => {
    docker = await startDockerStub();
    collector = await startReceiver();
    srv = await startServerProcess({
      env: {
        ...NO_OTEL_ENV,
        // OTEL_SERVICE_NAME wins over service_name; the logs' own endpoint variable over the TOML endpoint.
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.url}/v1/logs`,
      },
      toml: [
        '[server.runtime.docker]', `host = "${docker.host}"`, '',
        '[server.telemetry.traces]', 'enabled = true', `endpoint = "${collector.url}"`, 'service_name = "overridden"', '',
        '[server.telemetry.metrics]', 'enabled = true', `endpoint = "${collector.url}"`, 'interval_seconds = 1', '',
        '[server.telemetry.logs]', 'enabled = true', 'endpoint = "http://127.0.0.1:9/not-used"', '',
      ].join('\n'),
    });
  });
  after(async () => {
    await srv?.stop();
    srv?.cleanup();
    await collector?.close();
    await docker?.close();
  });

  it('prints the three start-up lines', () => {
    const out = srv.stdout();
    assert.match(out, new RegExp(` INFO ring: telemetry: OTLP trace export enabled \\(${collector.url}\\)\n`));
    assert.match(out, new RegExp(` INFO ring: telemetry: OTLP metrics export enabled \\(${collector.url}, every 1s\\)\n`));
    assert.match(out, new RegExp(` INFO ring: telemetry: OTLP log export enabled \\(${collector.url}/v1/logs\\)\n`));
  });

  it('exports a span per API request with its route and status, and reconcile spans, under the service name', async () => {
    const token = await login(srv.url);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    assert.equal((await fetch(`${srv.url}/namespaces`, { headers: auth })).status, 200);
    const created = await fetch(`${srv.url}/deployments`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ name: deployment, namespace: 'otel', runtime: 'docker', image: 'ring-test/busybox:1', replicas: 1 }),
    });
    const createdText = await created.text();
    assert.equal(created.status, 201, createdText);
    const { id } = JSON.parse(createdText) as { id: string };
    assert.equal((await fetch(`${srv.url}/deployments/${id}`, { headers: auth })).status, 200);
    assert.equal((await fetch(`${srv.url}/deployments/no-such-id`, { headers: auth })).status, 404);

    const list = await waitFor('the API spans', async () => {
      const all = spans(collector);
      return all.some((s) => s.name === 'GET /deployments/{id}' && s.attributes['http.response.status_code'] === 404) ? all : undefined;
    }, 60_000);
    const ns = list.find((s) => s.name === 'GET /namespaces');
    assert.ok(ns, JSON.stringify(list.map((s) => s.name)));
    assert.equal(ns.service, service);
    assert.equal(ns.attributes['http.route'], '/namespaces');
    assert.equal(ns.attributes['http.request.method'], 'GET');
    assert.equal(ns.attributes['http.response.status_code'], 200);
    const post = list.find((s) => s.name === 'POST /deployments');
    assert.equal(post?.attributes['http.response.status_code'], 201);
    const get = list.find((s) => s.name === 'GET /deployments/{id}' && s.attributes['http.response.status_code'] === 200);
    assert.equal(get?.attributes['url.path'], `/deployments/${id}`);

    // The reconciler: a pass span, and the create it attempted (the stand-in Docker refuses it: an error span).
    const rec = await waitFor('the reconcile spans', async () => {
      const all = spans(collector);
      const create = all.find((s) => s.name === 'reconcile.createInstance' && s.attributes['ring.deployment.name'] === deployment);
      return create && all.some((s) => s.name === 'reconcile.pass') ? { create, all } : undefined;
    }, 60_000);
    assert.equal(rec.create.service, service);
    assert.equal(rec.create.attributes['ring.deployment.id'], id);
    assert.equal(rec.create.attributes['ring.namespace'], 'otel');
    assert.equal(rec.create.status, 2, 'a create the runtime refused is an error span');
  });

  it('exports the /metrics gauges and the request durations', async () => {
    const found = await waitFor('the metrics', async () => {
      const all = metrics(collector);
      const durations = all.filter((m) => m.name === 'http.server.request.duration').flatMap((m) => m.points);
      const routed = durations.find((p) => p.attributes['http.route'] === '/namespaces');
      const byStatus = all.filter((m) => m.name === 'ring.deployments.by_status').at(-1);
      return routed && byStatus ? { all, routed, byStatus } : undefined;
    }, 60_000);
    assert.ok(found.all.every((m) => m.service === service));
    assert.equal(found.routed.attributes['http.response.status_code'], 200);
    assert.ok(Number(found.routed.value) >= 1, 'the histogram counts the request');
    // All 14 statuses, as /metrics has them; the deployment the stand-in Docker refused is not running.
    assert.equal(found.byStatus.points.length, 14, JSON.stringify(found.byStatus.points));
    const names = new Set(found.all.map((m) => m.name));
    for (const n of ['ring.deployments', 'ring.namespaces', 'ring.users', 'ring.reconcile.passes']) assert.ok(names.has(n), n);
    const deployments = found.all.filter((m) => m.name === 'ring.deployments').at(-1)!;
    assert.equal(deployments.points[0]!.value, 1);
  });

  it("exports the server's log records (start-up lines included) with their severity", async () => {
    const records = await waitFor('the log records', async () => {
      const all = logRecords(collector);
      return all.some((l) => l.body === 'request') && all.some((l) => l.body === 'ring server started') ? all : undefined;
    }, 60_000);
    assert.ok(records.every((l) => l.service === service));
    const started = records.find((l) => l.body === 'ring server started')!;
    assert.equal(started.severity, 'INFO');
    assert.equal(started.attributes['log.target'], 'ring');
    assert.ok(records.some((l) => l.body === `telemetry: OTLP log export enabled (${collector.url}/v1/logs)`));
    const request = records.find((l) => l.body === 'request' && l.attributes.path === '/namespaces');
    assert.equal(request?.attributes.status, 200);
  });
});

describe('an unreachable collector', () => {
  it('never stops the server: it answers, prints the start lines, and logs the failure once', async () => {
    const docker = await startDockerStub();
    const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const srv = await startServerProcess({
      env: { ...NO_OTEL_ENV, RING_LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: closed },
      toml: [
        '[server.runtime.docker]', `host = "${docker.host}"`, '',
        '[server.telemetry.traces]', 'enabled = true', '',
        '[server.telemetry.metrics]', 'enabled = true', 'interval_seconds = 1', '',
        '[server.telemetry.logs]', 'enabled = true', '',
      ].join('\n'),
    });
    try {
      const messages = () => srv.stdout().split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { level: string; fields: { message: string } });
      const texts = () => messages().map((m) => m.fields.message);
      assert.ok(texts().includes(`telemetry: OTLP trace export enabled (${closed})`), srv.stdout());
      assert.ok(texts().includes(`telemetry: OTLP metrics export enabled (${closed}, every 1s)`));
      assert.ok(texts().includes(`telemetry: OTLP log export enabled (${closed})`));

      const token = await login(srv.url);
      // Several metrics intervals of failing exports, with requests going on meanwhile.
      await waitFor('a failed metrics export to be reported', async () => texts().some((t) => t.startsWith(`telemetry: OTLP metrics export to ${closed}/v1/metrics failed`)) || undefined, 60_000);
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${srv.url}/namespaces`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.status, 200);
        await new Promise((res) => setTimeout(res, 1000));
      }
      const failures = messages().filter((m) => /^telemetry: OTLP metrics export to .* failed/.test(m.fields.message));
      assert.equal(failures.length, 1, 'one line per outage, not one per batch');
      assert.equal(failures[0]!.level, 'WARN');
      assert.match(failures[0]!.fields.message, /ECONNREFUSED|connect/i);
      // The log records of every request failed to go too, batch after batch: still one line.
      await waitFor('a failed log export to be reported', async () => texts().some((t) => t.startsWith(`telemetry: OTLP log export to ${closed}/v1/logs failed`)) || undefined, 30_000);
      assert.equal(texts().filter((t) => t.startsWith('telemetry: OTLP log export to ')).length, 1);
      assert.ok(texts().filter((t) => t.startsWith('telemetry: OTLP trace export to ')).length <= 1);
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
      assert.equal(await srv.stop(), 0, 'it stops cleanly too');
    } finally {
      await srv.stop();
      srv.cleanup();
      await docker.close();
    }
  });
});

describe('a wrong telemetry value', () => {
  it('refuses the start, naming every wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-otel-bad.'));
    try {
      writeFileSync(join(dir, 'config.toml'), [
        '[server.telemetry.metrics]', 'enabled = true', 'interval_seconds = 0', '',
        '[server.telemetry.traces]', 'enabled = true', 'sampler = "sometimes"', '',
      ].join('\n'));
      const r = await ringCli(['server', 'start'], cliEnv(dir, { ...NO_OTEL_ENV, HOME: dir, RING_SECRET_KEY: randomBytes(32).toString('base64'), RING_DATABASE_PATH: join(dir, 'ring.db') }));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /Refusing to start: invalid telemetry configuration: /);
      assert.match(r.stderr, /\[server\.telemetry\.traces\] sampler must be one of parent_based_always_on, always_on, always_off, parent_based_always_off or ratio:<0\.\.1> \(got "sometimes"\)/);
      assert.match(r.stderr, /\[server\.telemetry\.metrics\] interval_seconds must be a whole number of seconds ≥ 1 \(got 0\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
