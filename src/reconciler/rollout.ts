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
