// What an apply of a deployment spec does to the deployments already serving its namespace/name
// (RING.md §5.8, issue 12): nothing, scale in place, roll, replace, or create. Pure: the API handler
// only executes the decision.
import type { Deployment, DeploymentSpec } from './deployment.js';
import { isTerminal, type Status } from './status.js';

export type ApplyPlan =
  /** Nothing of that name is active: a plain create. */
  | { kind: 'create' }
  /** The newest active deployment already runs exactly this spec: no new row, no rollout. */
  | { kind: 'unchanged'; deployment: Deployment }
  /** Only `replicas` differs: the same deployment is scaled, its running instances stay. */
  | { kind: 'scale'; deployment: Deployment; from: number; to: number }
  /** A child of `parent` replaces it instance by instance; `superseded` are earlier children it replaces. */
  | { kind: 'rolling'; parent: Deployment; superseded: Deployment[] }
  /** Every active row is marked deleted at once; `reason` names why no rolling update. */
  | { kind: 'replace'; replaced: Deployment[]; reason: string };

export type ApplyOutcome = 'created' | 'unchanged' | 'scaled' | 'rolling' | 'replaced';

export function outcomeOf(plan: ApplyPlan): ApplyOutcome {
  switch (plan.kind) {
    case 'create': return 'created';
    case 'unchanged': return 'unchanged';
    case 'scale': return 'scaled';
    case 'rolling': return 'rolling';
    case 'replace': return 'replaced';
  }
}

export interface ApplyOptions {
  /** `?force=true` / `ring apply --force`: replace at once, even an unchanged spec (an explicit redeploy). */
  force?: boolean;
  /** `ring deployment restart`: roll (or replace) with the same spec; never answered as unchanged or scaled. */
  redeploy?: boolean;
}

/**
 * Statuses in which an identical re-apply is a no-op. Any failure status (terminal or retried) is
 * left out on purpose: re-applying is how a user recovers from one (a new row with a fresh restart
 * count, RING §5.6 and the lifecycle seed), e.g. after pushing the missing image or creating the config.
 */
const SETTLED_FOR_REAPPLY: readonly Status[] = ['pending', 'creating', 'running'];

/** Fields of a stored deployment that are not part of what was applied. */
const OBSERVED_FIELDS = ['id', 'created_at', 'updated_at', 'status', 'restart_count', 'parent_id', 'image_digest'] as const;

/** The spec a stored deployment was applied with (its observed fields dropped). */
export function specOf(d: Deployment): DeploymentSpec {
  const copy: Record<string, unknown> = { ...d };
  for (const k of OBSERVED_FIELDS) delete copy[k];
  return copy as unknown as DeploymentSpec;
}

/** One field that differs, as `ring diff` prints it. `from`/`to` undefined = absent on that side. */
export interface FieldChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The differences between two normalised specs, by dotted path (`health_checks[0].url`). Key order
 * never matters; array order does (command, ports, volumes). An absent key, `undefined` and (inside
 * objects) an empty object or array are the same thing, so a default filled in on one side only
 * (`labels: {}`) is no change. Secrets compare by reference: a spec only ever holds `{secretRef}`.
 */
export function specChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const a = before[k];
      const b = after[k];
      if (isEmpty(a) && isEmpty(b)) return [];
      return specChanges(a, b, path ? `${path}.${k}` : k);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) {
      // Lists of scalars read best whole; lists of objects per element.
      if (before.every((x) => !isPlainObject(x)) && after.every((x) => !isPlainObject(x))) return [change(path, before, after)];
    }
    const n = Math.max(before.length, after.length);
    const out: FieldChange[] = [];
    for (let i = 0; i < n; i++) {
      if (before.every((x) => !isPlainObject(x)) && after.every((x) => !isPlainObject(x))) {
        if (!Object.is(before[i], after[i])) return [change(path, before, after)];
        continue;
      }
      out.push(...specChanges(before[i], after[i], `${path}[${i}]`));
    }
    return out;
  }
  if (isEmpty(before) && isEmpty(after)) return [];
  return Object.is(before, after) ? [] : [change(path, before, after)];
}

function isEmpty(x: unknown): boolean {
  if (x === undefined || x === null) return true;
  if (Array.isArray(x)) return x.length === 0;
  if (isPlainObject(x)) return Object.values(x).every(isEmpty);
  return false;
}

function change(path: string, from: unknown, to: unknown): FieldChange {
  const c: FieldChange = { path };
  if (from !== undefined) c.from = from;
  if (to !== undefined) c.to = to;
  return c;
}

/** Fields an apply changes without touching the running containers. */
const IN_PLACE_FIELDS = new Set(['replicas']);

/**
 * How an apply of `spec` (defaults applied) treats the active (not deleted) deployments of the same
 * namespace and name, oldest first.
 *
 * 1. The newest active one, when it is pending/creating/running and not forced: an identical spec
 *    is `unchanged`; a spec differing only in `replicas` is a `scale` of that same deployment.
 * 2. Otherwise RING §5.8: rolling iff exactly one deployment serves the name, the new one declares a
 *    health check, publishes no host port (both would need it at once), force is off, and both are
 *    workers; the old one must still be reconciled (a terminal one serves nothing to hand over).
 *    Children of that deployment (a rollout in progress or one that failed) are superseded.
 */
export function planApply(active: readonly Deployment[], spec: DeploymentSpec, opts: ApplyOptions | boolean = {}): ApplyPlan {
  const { force = false, redeploy = false } = typeof opts === 'boolean' ? { force: opts } : opts;
  if (active.length === 0) return { kind: 'create' };
  const newest = active[active.length - 1]!;
  if (!force && !redeploy && SETTLED_FOR_REAPPLY.includes(newest.status)) {
    const changes = specChanges(specOf(newest), spec);
    if (changes.length === 0) return { kind: 'unchanged', deployment: newest };
    if (changes.every((c) => IN_PLACE_FIELDS.has(c.path)) && !spec.autoscale) {
      return { kind: 'scale', deployment: newest, from: newest.replicas, to: spec.replicas };
    }
  }
  const ids = new Set(active.map((a) => a.id));
  const roots = active.filter((a) => a.parent_id === null || !ids.has(a.parent_id));
  const replace = (reason: string): ApplyPlan => ({ kind: 'replace', replaced: [...active], reason });
  if (force) return replace('force=true');
  if (roots.length > 1) return replace('more than one active deployment shares this name');
  if (spec.health_checks.length === 0) return replace('no health checks are declared');
  if (spec.ports.some((p) => p.published > 0)) return replace('it publishes a host port');
  const parent = roots[0]!;
  if (spec.kind !== 'worker' || parent.kind !== 'worker') return replace('jobs are replaced, not rolled');
  if (isTerminal(parent.status)) return replace(`deployment ${parent.id} is ${parent.status} and serves nothing to hand over`);
  return { kind: 'rolling', parent, superseded: active.filter((a) => a !== parent) };
}
