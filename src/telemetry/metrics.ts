// The OTLP metrics: the inventory and per-deployment series of GET /metrics (RING.md §10, Ring's
// `ring.deployment.*` gauge names), observed from one snapshot per export, and the API's request
// durations (a histogram, so its count is the request count).
import type { Histogram, Meter, ObservableGauge, ObservableCounter } from '@opentelemetry/api';
import { METRIC_HTTP_SERVER_REQUEST_DURATION } from '@opentelemetry/semantic-conventions';
import { bySeries, type MetricsSnapshot } from '../metrics/exposition.js';
import type { DeploymentRuntimeStats } from '../metrics/runtime-stats.js';

export interface MetricSources {
  /** What GET /metrics would answer now. */
  snapshot(): MetricsSnapshot;
  /** Reconcile passes completed since start. */
  passes(): number;
}

type Field = { [K in keyof DeploymentRuntimeStats]: DeploymentRuntimeStats[K] extends number ? K : never }[keyof DeploymentRuntimeStats];

/** Ring's OTLP gauge per deployment, with the snapshot field it reads. */
const DEPLOYMENT_GAUGES: [name: string, unit: string, description: string, field: Field][] = [
  ['ring.deployment.cpu.percent', '%', "CPU usage across the deployment's running instances", 'cpu_usage_percent'],
  ['ring.deployment.memory.used_bytes', 'By', "Memory in use across the deployment's instances", 'memory_usage_bytes'],
  ['ring.deployment.memory.limit_bytes', 'By', "Memory limit across the deployment's instances", 'memory_limit_bytes'],
  ['ring.deployment.network.rx_bytes', 'By', "Bytes received by the deployment's instances since they started", 'network_rx_bytes'],
  ['ring.deployment.network.tx_bytes', 'By', "Bytes sent by the deployment's instances since they started", 'network_tx_bytes'],
  ['ring.deployment.disk.read_bytes', 'By', "Bytes read from block devices by the deployment's instances", 'disk_read_bytes'],
  ['ring.deployment.disk.write_bytes', 'By', "Bytes written to block devices by the deployment's instances", 'disk_write_bytes'],
  ['ring.deployment.pids', '{process}', "Processes across the deployment's instances", 'pids'],
  ['ring.deployment.instances', '{instance}', 'Running instances of the deployment', 'instances'],
  ['ring.deployment.restarts', '{restart}', 'Counted failures (restart_count) of the deployment', 'restarts'],
];

const COUNTS: [name: string, description: string, key: 'namespaces' | 'secrets' | 'volumes' | 'users' | 'webhooks' | 'configs'][] = [
  ['ring.namespaces', 'Namespaces', 'namespaces'],
  ['ring.secrets', 'Secrets', 'secrets'],
  ['ring.volumes', 'Volumes', 'volumes'],
  ['ring.users', 'Users', 'users'],
  ['ring.webhooks', 'Webhooks (revoked included)', 'webhooks'],
  ['ring.configs', 'Configs', 'configs'],
];

/** Registers the observed instruments; they are read once per export interval. */
export function observeServer(meter: Meter, sources: MetricSources): void {
  const g = (name: string, description: string, unit = '1'): ObservableGauge => meter.createObservableGauge(name, { description, unit });
  const deployments = g('ring.deployments', 'Deployments, excluding deleted ones', '{deployment}');
  const byStatus = g('ring.deployments.by_status', 'Deployments per status (deleted included)', '{deployment}');
  const byRuntime = g('ring.deployments.by_runtime', 'Deployments per runtime (deleted included)', '{deployment}');
  const unhealthy = g('ring.deployments.unhealthy', 'Deployments in a non-healthy status, per namespace and status', '{deployment}');
  const events = g('ring.events.by_status', 'Outbound events per delivery status', '{event}');
  const healthChecks = g('ring.health_checks.by_status', 'Health-check results per status', '{check}');
  const counts = COUNTS.map(([name, description, key]) => [g(name, description), key] as const);
  const perDeployment = DEPLOYMENT_GAUGES.map(([name, unit, description, field]) => [g(name, description, unit), field] as const);
  const passes: ObservableCounter = meter.createObservableCounter('ring.reconcile.passes', { description: 'Reconcile passes completed since the server started', unit: '{pass}' });

  meter.addBatchObservableCallback((obs) => {
    obs.observe(passes, sources.passes());
    let s: MetricsSnapshot;
    try {
      s = sources.snapshot();
    } catch {
      return; // ring.db closed (the final export at shutdown) or failing: this export goes without the inventory
    }
    obs.observe(deployments, s.deployments);
    for (const [status, n] of Object.entries(s.deployments_by_status)) obs.observe(byStatus, n, { status });
    for (const [runtime, n] of Object.entries(s.deployments_by_runtime)) obs.observe(byRuntime, n, { runtime });
    for (const u of s.unhealthy_deployments_by_namespace) obs.observe(unhealthy, u.count, { namespace: u.namespace, status: u.status });
    for (const [status, n] of Object.entries(s.events_by_status)) obs.observe(events, n, { status });
    for (const [status, n] of Object.entries(s.health_checks_by_status)) obs.observe(healthChecks, n, { status });
    for (const [gauge, key] of counts) obs.observe(gauge, s[key]);
    for (const d of bySeries(s.deployment_runtime)) {
      const attributes = { deployment: d.name, namespace: d.namespace, runtime: d.runtime };
      for (const [gauge, field] of perDeployment) obs.observe(gauge, d[field], attributes);
    }
  }, [deployments, byStatus, byRuntime, unhealthy, events, healthChecks, ...counts.map(([x]) => x), ...perDeployment.map(([x]) => x), passes]);
}

/** `http.server.request.duration` (seconds), as the semantic conventions name it. */
export function requestDuration(meter: Meter): Histogram {
  return meter.createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
    description: 'Duration of API requests', unit: 's',
    // The semantic conventions' buckets for seconds (the SDK's default ones are for milliseconds).
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
  });
}
