// What a sync would change, per deployment and field, and what changed on the server since the
// last sync (drift): the desired spec (server defaults applied, as the server stores it) against
// the live deployment of the same namespace and name. Pure.
import type { components } from '../src/client/index.js';
import { applyDeploymentDefaults, type DeploymentInput } from '../src/domain/validate-deployment.js';
import type { DesiredDeployment, DesiredState } from './desired.js';
import { underDir } from './desired.js';
import { LABEL_HASH, LABEL_REPO, LABEL_REVISION, LABEL_SOURCE } from './labels.js';

export type LiveView = components['schemas']['Deployment'];

/** The fields a manifest sets and the server echoes; the rest of the view is observed state. */
export const COMPARED_FIELDS = [
  'runtime', 'kind', 'image', 'replicas', 'command', 'environment', 'ports', 'volumes', 'config',
  'health_checks', 'resources', 'network', 'autoscale', 'labels',
] as const;

export interface FieldDiff {
  /** `replicas`, `labels.app`, `health_checks`. */
  path: string;
  /** undefined = absent on that side. */
  live: unknown;
  desired: unknown;
}

export type DiffAction = 'create' | 'change' | 'unchanged' | 'prune';

export interface DiffEntry {
  namespace: string;
  name: string;
  /** Manifest path (for prune: the source label of the live deployment). */
  source: string;
  action: DiffAction;
  fields: FieldDiff[];
  /** The live deployment compared with (or pruned). */
  liveId?: string;
  /** For change: the live one was not applied from this repository (made or replaced by hand). */
  foreign?: boolean;
}

function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.keys(x).sort().filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, canonical((x as Record<string, unknown>)[k])]));
  }
  return x;
}

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const isEmpty = (v: unknown) => v === undefined || v === null
  || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/** The revision label says which commit applied it, not what runs: never a difference. */
function labelsOf(l: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(l ?? {}) };
  delete out[LABEL_REVISION];
  return out;
}

export function desiredFields(d: DesiredDeployment): Record<string, unknown> {
  const spec = applyDeploymentDefaults(d.deployment.spec as unknown as DeploymentInput) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of COMPARED_FIELDS) out[f] = f === 'labels' ? labelsOf(spec.labels as Record<string, string>) : spec[f];
  return out;
}

export function liveFields(v: LiveView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = v as unknown as Record<string, unknown>;
  for (const f of COMPARED_FIELDS) out[f] = f === 'labels' ? labelsOf(v.labels) : r[f];
  return out;
}

/** Field by field; objects of plain values (labels, environment, config) one key deeper. */
export function fieldDiffs(live: Record<string, unknown>, desired: Record<string, unknown>): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const f of COMPARED_FIELDS) {
    const a = live[f];
    const b = desired[f];
    if (same(a, b) || (isEmpty(a) && isEmpty(b))) continue;
    const flat = (x: unknown) => x && typeof x === 'object' && !Array.isArray(x) ? x as Record<string, unknown> : undefined;
    const fa = flat(a) ?? (isEmpty(a) ? {} : undefined);
    const fb = flat(b) ?? (isEmpty(b) ? {} : undefined);
    if ((f === 'labels' || f === 'environment' || f === 'config') && fa && fb) {
      for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort()) {
        if (!same(fa[k], fb[k])) out.push({ path: `${f}.${k}`, live: fa[k], desired: fb[k] });
      }
      continue;
    }
    out.push({ path: f, live: isEmpty(a) ? undefined : a, desired: isEmpty(b) ? undefined : b });
  }
  return out;
}

const key = (ns: string, name: string) => `${ns}\u0000${name}`;

/**
 * The live deployment a desired one is compared with: the active one carrying its hash (a
 * rollout in progress has two), else the one not rolling from another (the parent), else any.
 */
export function counterpart(d: DesiredDeployment, live: readonly LiveView[]): LiveView | undefined {
  const active = live.filter((v) => v.namespace === d.namespace && v.name === d.name && v.status !== 'deleted');
  if (active.length === 0) return undefined;
  const ids = new Set(active.map((v) => v.id));
  return active.find((v) => v.labels?.[LABEL_HASH] === d.hash)
    ?? active.find((v) => !v.parent_id || !ids.has(v.parent_id))
    ?? active[0];
}

export interface DiffOptions {
  repo: string;
  dir: string;
  prune: boolean;
}

export function diffState(desired: DesiredState, live: readonly LiveView[], opts: DiffOptions): DiffEntry[] {
  const entries: DiffEntry[] = [];
  for (const d of desired.deployments) {
    const v = counterpart(d, live);
    if (!v) {
      entries.push({ namespace: d.namespace, name: d.name, source: d.source, action: 'create', fields: [] });
      continue;
    }
    const fields = fieldDiffs(liveFields(v), desiredFields(d));
    entries.push({
      namespace: d.namespace, name: d.name, source: d.source, action: fields.length ? 'change' : 'unchanged', fields, liveId: v.id,
      ...(v.labels?.[LABEL_REPO] !== opts.repo ? { foreign: true } : {}),
    });
  }
  if (opts.prune) {
    const wanted = new Set(desired.deployments.map((d) => key(d.namespace, d.name)));
    for (const v of live) {
      const source = v.labels?.[LABEL_SOURCE];
      if (v.status === 'deleted' || v.labels?.[LABEL_REPO] !== opts.repo || source === undefined) continue;
      if (!underDir(source, opts.dir) || desired.broken.has(source) || wanted.has(key(v.namespace, v.name))) continue;
      entries.push({ namespace: v.namespace, name: v.name, source, action: 'prune', fields: [], liveId: v.id });
    }
  }
  return entries.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(canonical(v));
}

/**
 * The diff as text, kubectl-diff style: a header per deployment that changes, `-` live and `+`
 * desired per field.
 *   ~ deployment prod/web (manifests/web.yaml): 2 fields
 *     replicas
 *       - 2
 *       + 3
 */
export function renderDiff(entries: readonly DiffEntry[]): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    const id = `deployment ${e.namespace}/${e.name} (${e.source})`;
    if (e.action === 'unchanged') continue;
    if (e.action === 'create') lines.push(`+ ${id}: would be created`);
    else if (e.action === 'prune') lines.push(`- ${id}: would be pruned (id ${e.liveId})`);
    else {
      lines.push(`~ ${id}: ${e.fields.length} field${e.fields.length === 1 ? '' : 's'} differ${e.foreign ? ' (the live one was not applied from this repository)' : ''}`);
      for (const f of e.fields) {
        lines.push(`    ${f.path}`, `      - ${show(f.live)}`, `      + ${show(f.desired)}`);
      }
    }
  }
  return lines;
}

export function summarize(entries: readonly DiffEntry[]): Record<DiffAction, number> {
  const c: Record<DiffAction, number> = { create: 0, change: 0, unchanged: 0, prune: 0 };
  for (const e of entries) c[e.action]++;
  return c;
}
