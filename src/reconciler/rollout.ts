// Rolling updates (RING.md §5.8): the decision taken at apply time, and the change that ends one.
// The drain itself is planned in plan.ts (planDrain) and applied by the executor.
import type { Deployment, DeploymentSpec } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import type { DeploymentChange } from '../domain/changes.js';
import type { Instance } from '../runtime/runtime.js';
import type { RolloutRole } from './plan.js';

export type ApplyPlan =
  /** Nothing of that name is active: a plain create. */
  | { kind: 'create' }
  /** A child of `parent` replaces it instance by instance; `superseded` are earlier children it replaces. */
  | { kind: 'rolling'; parent: Deployment; superseded: Deployment[] }
  /** Every active row is marked deleted at once; `reason` names why no rolling update. */
  | { kind: 'replace'; replaced: Deployment[]; reason: string };

/**
 * How an apply of `spec` treats the active (not deleted) deployments of the same namespace and
 * name. Rolling iff exactly one deployment serves the name, the new one declares a health check,
 * publishes no host port (both would need it at once), force is off, and both are workers; the
 * old one must still be reconciled (a terminal one serves nothing to hand over). Children of that
 * deployment (a rollout in progress or one that failed) are superseded by the new child.
 */
export function planApply(active: readonly Deployment[], spec: DeploymentSpec, force: boolean): ApplyPlan {
  if (active.length === 0) return { kind: 'create' };
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

/** Statuses that end a child's rollout without completing it. */
export function endsRollout(status: Status): boolean {
  return status === 'deleted' || isTerminal(status);
}

/** The change that records a rollout's failure on the child: its parent keeps serving. */
export function rolloutFailed(parentId: string, why: string): DeploymentChange {
  return { kind: 'rolling_update', phase: 'failed', parentId, message: `Rolling update failed: ${why}; deployment ${parentId} keeps serving` };
}

/**
 * When moving a rolling child to `to` ends its rollout without completing it, the failure change to
 * record in the same transaction (unless `changes` already hold one); else null.
 */
export function rolloutEndedBy(child: Pick<Deployment, 'parent_id'>, to: Status, changes: readonly DeploymentChange[]): DeploymentChange | null {
  if (!child.parent_id || !endsRollout(to)) return null;
  if (changes.some((c) => c.kind === 'rolling_update' && c.phase === 'failed')) return null;
  return rolloutFailed(child.parent_id, to === 'deleted' ? 'the new deployment was deleted' : `the new deployment is ${to}`);
}

/**
 * A deployment's part in a rolling update: a parent (reconciled, with an active child) learns
 * whether that child is ready to take an instance over: running, every replica up, gate open.
 * A child learns whether its parent is still reconciled. `all` holds only reconciled rows, so a
 * terminal child is no child and a terminal parent is no parent.
 */
export function rolloutRole(
  d: Deployment, all: readonly Deployment[], instancesOf: (id: string) => Instance[],
  isReady: (d: Deployment, instances: readonly Instance[]) => boolean,
): RolloutRole | undefined {
  if (d.status === 'deleted' || d.kind !== 'worker') return undefined;
  if (d.parent_id) {
    const parentActive = all.some((p) => p.id === d.parent_id && p.status !== 'deleted');
    return { role: 'child', parentId: d.parent_id, parentActive };
  }
  const child = all.find((c) => c.parent_id === d.id && c.status !== 'deleted');
  if (!child) return undefined;
  const up = instancesOf(child.id).filter((i) => i.state === 'running');
  const childReady = child.status === 'running' && up.length >= child.replicas && isReady(child, up);
  return { role: 'parent', childId: child.id, childReady };
}

/**
 * A replacement that publishes host ports waits until the deployment it replaces (same
 * namespace and name, now `deleted`) is purged, so the ports are free (RING §5.8 "port freed first").
 */
export function waitsForDeletedTwin(d: Deployment, all: readonly Deployment[]): boolean {
  if (d.status === 'deleted' || !(d.ports ?? []).some((p) => p.published > 0)) return false;
  return all.some((o) => o.id !== d.id && o.status === 'deleted' && o.namespace === d.namespace && o.name === d.name);
}
