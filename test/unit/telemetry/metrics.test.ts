// The OTLP metrics observed from a /metrics snapshot (src/telemetry/metrics.ts), read through an SDK reader.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { observeServer, requestDuration } from '../../../src/telemetry/metrics.js';
import type { MetricsSnapshot } from '../../../src/metrics/exposition.js';

class Reader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const stats = (over: Partial<MetricsSnapshot['deployment_runtime'][number]>) => ({
  id: 'd1', name: 'web', namespace: 'prod', runtime: 'docker', instances: 1, cpu_usage_percent: 10, memory_usage_bytes: 100,
  memory_limit_bytes: 1000, network_rx_bytes: 1, network_tx_bytes: 2, disk_read_bytes: 3, disk_write_bytes: 4, pids: 5, restarts: 0, ...over,
});

const snapshot: MetricsSnapshot = {
  deployments: 2, deployments_by_status: { running: 2, deleted: 1 }, deployments_by_runtime: { docker: 3 },
  unhealthy_deployments_by_namespace: [{ namespace: 'prod', status: 'failed', count: 0 }],
  namespaces: 1, secrets: 2, volumes: 3, users: 4, webhooks: 5, configs: 6,
  events_by_status: { pending: 0, delivered: 7, dead: 0 }, health_checks_by_status: { success: 9 },
  runtime_last_refresh_seconds: 1,
  // A rolling update: parent and child share the labels, and are one series (their sum), as on /metrics.
  deployment_runtime: [stats({}), stats({ id: 'd2', instances: 2, cpu_usage_percent: 5 })],
};

async function collect(sources: Parameters<typeof observeServer>[1]): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>> {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  observeServer(provider.getMeter('t'), sources);
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  await provider.shutdown();
  return byName(resourceMetrics);
}

function byName(rm: ResourceMetrics) {
  const out = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
  for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
  return out;
}

describe('OTLP metrics from the /metrics snapshot', () => {
  test('the inventory, per-deployment gauges (merged per series) and the pass counter', async () => {
    const m = await collect({ snapshot: () => snapshot, passes: () => 42 });
    assert.deepEqual(m.get('ring.deployments'), [{ attributes: {}, value: 2 }]);
    assert.deepEqual(m.get('ring.deployments.by_status'), [{ attributes: { status: 'running' }, value: 2 }, { attributes: { status: 'deleted' }, value: 1 }]);
    assert.deepEqual(m.get('ring.deployments.unhealthy'), [{ attributes: { namespace: 'prod', status: 'failed' }, value: 0 }]);
    assert.deepEqual(m.get('ring.configs'), [{ attributes: {}, value: 6 }]);
    const series = { deployment: 'web', namespace: 'prod', runtime: 'docker' };
    assert.deepEqual(m.get('ring.deployment.instances'), [{ attributes: series, value: 3 }]);
    assert.deepEqual(m.get('ring.deployment.cpu.percent'), [{ attributes: series, value: 15 }]);
    assert.deepEqual(m.get('ring.deployment.disk.write_bytes'), [{ attributes: series, value: 8 }]);
    for (const name of ['ring.deployment.memory.used_bytes', 'ring.deployment.memory.limit_bytes', 'ring.deployment.network.rx_bytes',
      'ring.deployment.network.tx_bytes', 'ring.deployment.disk.read_bytes', 'ring.deployment.pids', 'ring.deployment.restarts']) {
      assert.ok(m.has(name), name);
    }
    assert.deepEqual(m.get('ring.reconcile.passes'), [{ attributes: {}, value: 42 }]);
  });

  test('a snapshot that throws (ring.db closed at shutdown) costs the inventory, not the export', async () => {
    const m = await collect({ snapshot: () => { throw new Error('The database connection is not open'); }, passes: () => 1 });
    assert.deepEqual(m.get('ring.reconcile.passes'), [{ attributes: {}, value: 1 }]);
    assert.equal(m.get('ring.deployments')?.length ?? 0, 0);
  });

  test('request durations: a histogram in seconds with the semantic-conventions buckets', async () => {
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const h = requestDuration(provider.getMeter('t'));
    h.record(0.02, { 'http.route': '/namespaces' });
    h.record(0.3, { 'http.route': '/namespaces' });
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics[0]!.metrics[0]!;
    assert.equal(metric.descriptor.name, 'http.server.request.duration');
    assert.equal(metric.descriptor.unit, 's');
    const value = metric.dataPoints[0]!.value as { count: number; buckets: { boundaries: number[] } };
    assert.equal(value.count, 2);
    assert.deepEqual(value.buckets.boundaries.slice(0, 3), [0.005, 0.01, 0.025]);
    await provider.shutdown();
  });
});
