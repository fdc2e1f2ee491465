// GET /metrics (RING.md §10): one snapshot per scrape, rendered as Prometheus text (prom-client)
// or as JSON (Ring's shape). Inventory series are counted from ring.db on each scrape (a few
// indexed COUNTs); per-deployment resource series come from the background RuntimeStatsCache.
import { Gauge, Registry } from 'prom-client';
import { STATUSES } from '../domain/status.js';
import type { Store } from '../store/index.js';
import type { DeploymentRuntimeStats, RuntimeStatsSnapshot } from './runtime-stats.js';
import type { components } from '../../generated/openapi.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Statuses of a deployment that needs attention, broken down by namespace. */
export const UNHEALTHY_STATUSES = [
  'pending', 'failed', 'crash_loop_back_off', 'image_pull_back_off', 'create_container_error', 'network_error',
  'config_error', 'file_system_error', 'insufficient_resources', 'error',
] as const;

const EVENT_STATUSES = ['pending', 'delivered', 'dead'] as const;
const HEALTH_CHECK_STATUSES = ['success', 'failed', 'timeout'] as const;

/**
 * The body of GET /metrics as JSON, and what the Prometheus text is rendered from: the contract's
 * MetricsSnapshot, whose per-deployment rows also carry the deployment's id here.
 */
export type MetricsSnapshot = Omit<components['schemas']['MetricsSnapshot'], 'deployment_runtime'> & {
  deployment_runtime: DeploymentRuntimeStats[];
};

/** Every expected key present (0 when absent): a series that vanishes breaks alerts. */
function withZeros(counts: Record<string, number>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = counts[k] ?? 0;
  for (const [k, v] of Object.entries(counts)) if (!(k in out)) out[k] = v;
  return out;
}

export function collectSnapshot(store: Store, runtime: RuntimeStatsSnapshot | undefined): MetricsSnapshot {
  const inv = store.inventory.read(UNHEALTHY_STATUSES);
  const byStatus = withZeros(inv.deployments_by_status, STATUSES);
  return {
    deployments: Object.entries(byStatus).reduce((n, [s, c]) => (s === 'deleted' ? n : n + c), 0),
    deployments_by_status: byStatus,
    deployments_by_runtime: inv.deployments_by_runtime,
    unhealthy_deployments_by_namespace: inv.unhealthy_deployments_by_namespace,
    namespaces: inv.namespaces,
    secrets: inv.secrets,
    volumes: inv.volumes,
    users: inv.users,
    webhooks: inv.webhooks,
    configs: inv.configs,
    events_by_status: withZeros(inv.events_by_status, EVENT_STATUSES),
    health_checks_by_status: withZeros(inv.health_checks_by_status, HEALTH_CHECK_STATUSES),
    runtime_last_refresh_seconds: runtime?.lastRefreshSeconds ?? 0,
    deployment_runtime: runtime?.deployments ?? [],
  };
}

type Numeric = { [K in keyof DeploymentRuntimeStats]: DeploymentRuntimeStats[K] extends number ? K : never }[keyof DeploymentRuntimeStats];

const RUNTIME_GAUGES: [string, string, Numeric][] = [
  ['ring_deployment_instances', 'Number of running instances per deployment.', 'instances'],
  ['ring_deployment_cpu_usage_percent', "Aggregate CPU usage percent across a deployment's instances.", 'cpu_usage_percent'],
  ['ring_deployment_memory_usage_bytes', "Aggregate memory usage in bytes across a deployment's instances.", 'memory_usage_bytes'],
  ['ring_deployment_memory_limit_bytes', "Aggregate memory limit in bytes across a deployment's instances.", 'memory_limit_bytes'],
  ['ring_deployment_pids', "Aggregate process count across a deployment's instances.", 'pids'],
];

const RUNTIME_COUNTERS: [string, string, Numeric][] = [
  ['ring_deployment_network_rx_bytes_total', 'Bytes received by a deployment\'s instances since they started.', 'network_rx_bytes'],
  ['ring_deployment_network_tx_bytes_total', 'Bytes sent by a deployment\'s instances since they started.', 'network_tx_bytes'],
  ['ring_deployment_disk_read_bytes_total', 'Bytes read from block devices by a deployment\'s instances.', 'disk_read_bytes'],
  ['ring_deployment_disk_write_bytes_total', 'Bytes written to block devices by a deployment\'s instances.', 'disk_write_bytes'],
  ['ring_deployment_restarts_total', 'Counted failures (restart_count) of a deployment.', 'restarts'],
];

export async function renderPrometheus(s: MetricsSnapshot): Promise<string> {
  // A registry per scrape: the snapshot is the state, nothing lingers between scrapes.
  const registry = new Registry();
  const gauge = (name: string, help: string, value: number) => new Gauge({ name, help, registers: [registry] }).set(value);
  const labelled = (name: string, help: string, label: string, values: Record<string, number>) => {
    const g = new Gauge({ name, help, labelNames: [label], registers: [registry] });
    for (const [k, v] of Object.entries(values)) g.set({ [label]: k }, v);
  };

  gauge('ring_deployments', 'Number of deployments, excluding deleted ones.', s.deployments);
  labelled('ring_deployments_by_status', 'Number of deployments per status (includes deleted).', 'status', s.deployments_by_status);
  labelled('ring_deployments_by_runtime', 'Number of deployments per runtime (includes deleted).', 'runtime', s.deployments_by_runtime);
  const unhealthy = new Gauge({
    name: 'ring_unhealthy_deployments', help: 'Deployments in a non-healthy status, per namespace and status.',
    labelNames: ['namespace', 'status'], registers: [registry],
  });
  for (const u of s.unhealthy_deployments_by_namespace) unhealthy.set({ namespace: u.namespace, status: u.status }, u.count);
  gauge('ring_namespaces', 'Number of namespaces.', s.namespaces);
  gauge('ring_secrets', 'Number of secrets.', s.secrets);
  gauge('ring_volumes', 'Number of volumes.', s.volumes);
  gauge('ring_users', 'Number of users.', s.users);
  gauge('ring_webhooks', 'Number of webhooks (revoked included).', s.webhooks);
  gauge('ring_configs', 'Number of configs.', s.configs);
  labelled('ring_events_by_status', 'Outbound events per delivery status (pending = queue depth, dead = dead-lettered).', 'status', s.events_by_status);
  labelled('ring_health_checks_by_status', 'Health-check results per status.', 'status', s.health_checks_by_status);
  gauge('ring_runtime_last_refresh_seconds', 'Unix time of the last runtime-stats refresh; 0 means never.', s.runtime_last_refresh_seconds);

  const fixed = await registry.metrics();
  const series = bySeries(s.deployment_runtime);
  if (series.length === 0) return fixed;
  // The per-deployment series (10 per running deployment: 10,000 lines at 1000) are written
  // directly in prom-client's exact text format; building them through prom-client's label
  // hashing took most of a scrape. Blocks are separated by a blank line, as prom-client does.
  const blocks: string[] = [];
  const labelText = series.map((d) => `{deployment="${escapeLabel(d.name)}",namespace="${escapeLabel(d.namespace)}",runtime="${escapeLabel(d.runtime)}"}`);
  const block = (name: string, help: string, type: string, value: (d: DeploymentRuntimeStats) => number) => {
    let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (let i = 0; i < series.length; i++) text += `${name}${labelText[i]} ${sampleValue(value(series[i]!))}\n`;
    blocks.push(text);
  };
  for (const [name, help, field] of RUNTIME_GAUGES) block(name, help, 'gauge', (d) => d[field]);
  for (const [name, help, field] of RUNTIME_COUNTERS) block(name, help, 'counter', (d) => Math.max(0, d[field]));
  return `${fixed}\n${blocks.join('\n')}`;
}

/** prom-client's escaping of label values and help text, and its rendering of sample values. */
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
function sampleValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

/**
 * One entry per label set: during a rolling update the parent and its child share namespace and
 * name, and two samples with the same labels would make the exposition invalid. Their sum is the
 * deployment's usage.
 */
export function bySeries(list: DeploymentRuntimeStats[]): DeploymentRuntimeStats[] {
  const merged = new Map<string, DeploymentRuntimeStats>();
  for (const d of list) {
    const key = JSON.stringify([d.namespace, d.name, d.runtime]);
    const prev = merged.get(key);
    if (!prev) {
      merged.set(key, { ...d });
      continue;
    }
    for (const f of [...RUNTIME_GAUGES, ...RUNTIME_COUNTERS].map(([, , field]) => field)) prev[f] += d[f];
  }
  return [...merged.values()];
}
