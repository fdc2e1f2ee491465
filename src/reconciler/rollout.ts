// Rolling updates (RING.md §5.8): the roles the loop gives a parent and its child, and the change
// that ends one. The apply-time decision is planApply (src/domain/apply-plan.ts); the drain is
// planned in plan.ts (planDrain) and applied by the executor.
import type { Deployment } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import type { DeploymentChange } from '../domain/changes.js';
import type { Instance } from '../runtime/runtime.js';
import type { RolloutRole } from './plan.js';

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
 * The reconciled rows by id, and each parent's first active (not deleted) child: what
 * rolloutRole() looks up. The loop builds it once a pass; a search of every row for every row
 * was 90,000 comparisons a tick at 300 deployments.
 */
export interface RolloutIndex {
  byId: ReadonlyMap<string, Deployment>;
  childOf: ReadonlyMap<string, Deployment>;
}

export function rolloutIndex(all: readonly Deployment[]): RolloutIndex {
  const byId = new Map<string, Deployment>();
  const childOf = new Map<string, Deployment>();
  for (const d of all) {
    if (!byId.has(d.id)) byId.set(d.id, d);
    if (d.parent_id && d.status !== 'deleted' && !childOf.has(d.parent_id)) childOf.set(d.parent_id, d);
  }
  return { byId, childOf };
}

/**
 * A deployment's part in a rolling update: a parent (reconciled, with an active child) learns
 * whether that child is ready to take an instance over: running, every replica up, gate open.
 * A child learns whether its parent is still reconciled. `all` holds only reconciled rows, so a
 * terminal child is no child and a terminal parent is no parent.
 */
export function rolloutRole(
  d: Deployment, all: readonly Deployment[] | RolloutIndex, instancesOf: (id: string) => Instance[],
  isReady: (d: Deployment, instances: readonly Instance[]) => boolean,
): RolloutRole | undefined {
  if (d.status === 'deleted' || d.kind !== 'worker') return undefined;
  const index = isIndex(all) ? all : rolloutIndex(all);
  if (d.parent_id) {
    const parent = index.byId.get(d.parent_id);
    return { role: 'child', parentId: d.parent_id, parentActive: parent !== undefined && parent.status !== 'deleted' };
  }
  const child = index.childOf.get(d.id);
  if (!child) return undefined;
  const up = instancesOf(child.id).filter((i) => i.state === 'running');
  const childReady = child.status === 'running' && up.length >= child.replicas && isReady(child, up);
  return { role: 'parent', childId: child.id, childReady };
}

function isIndex(x: readonly Deployment[] | RolloutIndex): x is RolloutIndex {
  return !Array.isArray(x);
}

/**
 * A replacement that publishes host ports waits until the deployment it replaces (same
 * namespace and name, now `deleted`) is purged, so the ports are free (RING §5.8 "port freed first").
 */
export function waitsForDeletedTwin(d: Deployment, all: readonly Deployment[]): boolean {
  if (d.status === 'deleted' || !(d.ports ?? []).some((p) => p.published > 0)) return false;
  return all.some((o) => o.id !== d.id && o.status === 'deleted' && o.namespace === d.namespace && o.name === d.name);
}
