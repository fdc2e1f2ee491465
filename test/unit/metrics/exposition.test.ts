// GET /metrics writes the per-deployment series by hand (prom-client's label hashing made big
// scrapes slow): the text must be byte for byte what prom-client renders for the same snapshot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { renderPrometheus, type MetricsSnapshot } from '../../../src/metrics/exposition.js';
import type { DeploymentRuntimeStats } from '../../../src/metrics/runtime-stats.js';

const stats = (name: string, namespace: string, over: Partial<DeploymentRuntimeStats> = {}): DeploymentRuntimeStats => ({
  id: `${namespace}/${name}`, name, namespace, runtime: 'docker', instances: 1, cpu_usage_percent: 0.25, memory_usage_bytes: 1024, memory_limit_bytes: 2 ** 33,
  network_rx_bytes: 10, network_tx_bytes: 20, disk_read_bytes: 0, disk_write_bytes: 1e21, pids: 3, restarts: 0, ...over,
});

function snapshot(deployment_runtime: DeploymentRuntimeStats[]): MetricsSnapshot {
  return {
    deployments: 2, deployments_by_status: { running: 2 }, deployments_by_runtime: { docker: 2 }, unhealthy_deployments_by_namespace: [],
    namespaces: 1, secrets: 0, volumes: 0, users: 1, webhooks: 0, configs: 0, events_by_status: { pending: 0 },
    health_checks_by_status: { success: 4 }, runtime_last_refresh_seconds: 1700000000, deployment_runtime,
  };
}

/** The per-deployment part as prom-client renders it (what the exposition used to build). */
async function promClientRuntime(series: DeploymentRuntimeStats[]): Promise<string> {
  const registry = new Registry();
  const labelNames = ['deployment', 'namespace', 'runtime'];
  const labels = (d: DeploymentRuntimeStats) => ({ deployment: d.name, namespace: d.namespace, runtime: d.runtime });
  const gauges: [string, keyof DeploymentRuntimeStats][] = [['ring_deployment_instances', 'instances'], ['ring_deployment_cpu_usage_percent', 'cpu_usage_percent'],
    ['ring_deployment_memory_usage_bytes', 'memory_usage_bytes'], ['ring_deployment_memory_limit_bytes', 'memory_limit_bytes'], ['ring_deployment_pids', 'pids']];
  const counters: [string, keyof DeploymentRuntimeStats][] = [['ring_deployment_network_rx_bytes_total', 'network_rx_bytes'], ['ring_deployment_network_tx_bytes_total', 'network_tx_bytes'],
    ['ring_deployment_disk_read_bytes_total', 'disk_read_bytes'], ['ring_deployment_disk_write_bytes_total', 'disk_write_bytes'], ['ring_deployment_restarts_total', 'restarts']];
  for (const [name, field] of gauges) {
    const g = new Gauge({ name, help: 'H', labelNames, registers: [registry] });
    for (const d of series) g.set(labels(d), d[field] as number);
  }
  for (const [name, field] of counters) {
    const c = new Counter({ name, help: 'H', labelNames, registers: [registry] });
    for (const d of series) c.inc(labels(d), Math.max(0, d[field] as number));
  }
  return registry.metrics();
}

const withoutHelp = (text: string) => text.replace(/^# HELP (\S+) .*$/gm, '# HELP $1');

describe('Prometheus exposition', () => {
  test('per-deployment series match prom-client exactly, escaping included', async () => {
    const series = [stats('web', 'ns'), stats('we"ird\\name\nx', 'ns-2', { cpu_usage_percent: NaN, pids: Infinity }), stats('z', 'ns', { disk_read_bytes: -5 })];
    const ours = await renderPrometheus(snapshot(series));
    const fixed = await renderPrometheus(snapshot([]));
    assert.ok(ours.startsWith(fixed), 'the fixed series come first, unchanged');
    const runtimePart = ours.slice(fixed.length + 1);
    assert.equal(withoutHelp(runtimePart), withoutHelp(await promClientRuntime(series)));
    assert.match(ours, /^# HELP ring_deployment_instances Number of running instances per deployment\.$/m);
    assert.match(ours, /ring_deployment_instances\{deployment="we\\"ird\\\\name\\nx",namespace="ns-2",runtime="docker"\} 1\n/);
  });

  test('no running deployment: only the fixed series', async () => {
    const text = await renderPrometheus(snapshot([]));
    assert.doesNotMatch(text, /ring_deployment_instances/);
    assert.match(text, /^ring_deployments 2$/m);
  });
});
