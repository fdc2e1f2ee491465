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

// ---- GET /deployments as text --------------------------------------------------------------
// A list of 1000 deployments is ~650 KB of JSON; building 1000 view objects and stringifying them
// on every request blocks the event loop for tens of milliseconds. The spec-derived members of a
// view never change for a deployment (the store's spec is immutable and deep-frozen), so their
// JSON is rendered once per deployment and reused; only the row's changing columns and the
// instances are rendered per request.

const STATIC_KEYS = ['created_at', 'name', 'runtime', 'kind', 'namespace', 'image', 'command', 'config', 'autoscale', 'ports', 'labels',
  'environment', 'volumes', 'health_checks', 'resources', 'network'] as const;
const MAX_CACHED = 20_000;

interface StaticEntry { refs: unknown[]; json: string }
const staticJsonCache = new Map<string, StaticEntry>();

/** Reusable only when every object member is frozen: then `===` on each member proves the content is the same. */
function cacheable(refs: unknown[]): boolean {
  return refs.every((r) => r === null || typeof r !== 'object' || Object.isFrozen(r));
}

/** The members that follow from the spec (and created_at, for the readiness deadline) alone. */
function staticJson(d: Deployment, opts: ViewOptions): string {
  const refs: unknown[] = [...STATIC_KEYS.map((k) => d[k]), opts.rolloutDeadlineMs];
  const hit = staticJsonCache.get(d.id);
  if (hit && hit.refs.every((r, i) => r === refs[i])) return hit.json;
  // Same members, same rules as deploymentView.
  const readiness = readinessView(d, opts);
  const json = JSON.stringify({
    name: d.name, runtime: d.runtime, kind: d.kind, namespace: d.namespace, image: d.image, command: d.command,
    config: d.config, ...(d.autoscale ? { autoscale: d.autoscale } : {}), ports: d.ports, labels: d.labels,
    environment: d.environment, volumes: d.volumes,
    ...(d.health_checks.length ? { health_checks: d.health_checks } : {}),
    ...(d.resources ? { resources: d.resources } : {}),
    ...(d.network ? { network: d.network } : {}),
    ...(readiness ? { readiness } : {}),
  }).slice(1, -1);
  if (cacheable(refs)) {
    if (staticJsonCache.size >= MAX_CACHED) staticJsonCache.clear();
    staticJsonCache.set(d.id, { refs, json });
  }
  return json;
}

const str = JSON.stringify;

/** JSON.stringify(deploymentView(d, instances, opts)), member order aside, without building the view. */
export function deploymentViewJson(d: Deployment, instances: readonly Instance[], opts: ViewOptions = {}): string {
  const s = staticJson(d, opts);
  const live = instances.filter((i) => i.state === 'running').map((i) => (i.address ? { id: i.id, address: i.address } : { id: i.id }));
  return `{"id":${str(d.id)},"created_at":${str(d.created_at)},"updated_at":${str(d.updated_at)},"status":${str(d.status)},`
    + `"restart_count":${str(d.restart_count)}${s ? ',' + s : ''},"replicas":${str(d.replicas)},"instances":${str(live)}`
    + `${d.autoscale ? `,"desired_replicas":${str(d.desired_replicas ?? d.replicas)}` : ''}`
    + `${d.image_digest ? `,"image_digest":${str(d.image_digest)}` : ''}${d.parent_id ? `,"parent_id":${str(d.parent_id)}` : ''}}`;
}

/** The body of GET /deployments. */
export function deploymentListJson(rows: readonly Deployment[], instancesOf: (id: string) => readonly Instance[], opts: ViewOptions = {}): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = deploymentViewJson(rows[i]!, instancesOf(rows[i]!.id), opts);
  return `[${parts.join(',')}]`;
}
