// The wire shape of a deployment (RING.md §3.4): optional members are omitted when empty.
import type { Deployment } from '../domain/deployment.js';
import type { Instance } from '../runtime/runtime.js';
import { gateWindowMs, readinessDeadline, readinessIndices } from '../reconciler/readiness.js';

export interface ViewOptions {
  /** RING_ROLLOUT_DEADLINE; without it `readiness.deadline_at` is left out. */
  rolloutDeadlineMs?: number;
}

/** The readiness gate's parameters, for clients that show it (RING §5.7); undefined without readiness checks. */
function readinessView(d: Deployment, opts: ViewOptions) {
  const checks = readinessIndices(d);
  if (checks.length === 0) return undefined;
  const deadline = opts.rolloutDeadlineMs === undefined ? Number.NaN : readinessDeadline(d, opts.rolloutDeadlineMs);
  return {
    min_healthy_ms: gateWindowMs(d),
    checks,
    ...(Number.isFinite(deadline) && deadline > 0 ? { deadline_at: new Date(deadline).toISOString() } : {}),
  };
}

export function deploymentView(d: Deployment, instances: Instance[], opts: ViewOptions = {}) {
  const readiness = readinessView(d, opts);
  return {
    id: d.id,
    created_at: d.created_at,
    updated_at: d.updated_at,
    status: d.status,
    restart_count: d.restart_count,
    name: d.name,
    runtime: d.runtime,
    kind: d.kind,
    namespace: d.namespace,
    image: d.image,
    command: d.command,
    config: d.config,
    replicas: d.replicas,
    ...(d.autoscale ? { autoscale: d.autoscale, desired_replicas: d.desired_replicas ?? d.replicas } : {}),
    ports: d.ports,
    labels: d.labels,
    instances: instances
      .filter((i) => i.state === 'running')
      .map((i) => (i.address ? { id: i.id, address: i.address } : { id: i.id })),
    environment: d.environment,
    volumes: d.volumes,
    ...(d.health_checks.length ? { health_checks: d.health_checks } : {}),
    ...(d.resources ? { resources: d.resources } : {}),
    ...(d.image_digest ? { image_digest: d.image_digest } : {}),
    ...(d.parent_id ? { parent_id: d.parent_id } : {}),
    ...(d.network ? { network: d.network } : {}),
    ...(readiness ? { readiness } : {}),
  };
}

/** `key=value` or bare `key` selectors; every one must match. */
export function matchesLabels(labels: Record<string, string>, selectors: string[]): boolean {
  return selectors.every((sel) => {
    const eq = sel.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, sel);
    return labels[sel.slice(0, eq)] === sel.slice(eq + 1);
  });
}
