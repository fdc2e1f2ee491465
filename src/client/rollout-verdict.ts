// When a deployment an apply touched has succeeded or failed (issue 12): pure, so every rule has a
// table test and the CLI, the TUI and CI scripts agree on it.

export type WaitFor = 'running' | 'completed' | 'deleted';

/** What the verdict needs of a deployment (a subset of the API's Deployment). */
export interface Observed {
  id: string;
  kind: 'worker' | 'job';
  status: string;
  replicas: number;
  desired_replicas?: number;
  autoscale?: unknown;
  parent_id?: string;
  instances?: readonly unknown[];
}

export interface Target {
  id: string;
  for: WaitFor;
  /** The deployment it rolls from when the wait started (a rolling child); it must be gone for success. */
  parentId?: string;
}

export type Verdict =
  | { state: 'pending'; step: string }
  | { state: 'succeeded'; step: string }
  | { state: 'failed'; reason: string };

/** Statuses the reconciler never leaves on its own. */
const TERMINAL_FAILURES = new Set(['failed', 'crash_loop_back_off', 'insufficient_resources']);
/** Statuses it keeps retrying: a failure once they outlast the back-off budget. */
export const RETRIED_FAILURES = new Set(['image_pull_back_off', 'create_container_error', 'network_error', 'config_error', 'file_system_error', 'error']);

/** How long a retried failure status may last before a wait calls it a failure. */
export const DEFAULT_RETRY_BUDGET_MS = 60_000;

export interface VerdictInput {
  target: Target;
  /** undefined: the row is gone (purged). */
  deployment: Observed | undefined;
  /** The target's parent as now observed; undefined = gone. Only looked at when target.parentId is set. */
  parent?: Observed;
  /** Since when the deployment has been in its current retried failure status (ms), if it is in one. */
  retryingSince?: number;
  now: number;
  retryBudgetMs?: number;
}

function desiredOf(d: Observed): number {
  return d.autoscale && typeof d.desired_replicas === 'number' ? d.desired_replicas : d.replicas;
}

export function verdictOf(i: VerdictInput): Verdict {
  const { target, deployment: d } = i;
  if (target.for === 'deleted') {
    if (!d) return { state: 'succeeded', step: 'gone' };
    return { state: 'pending', step: d.status === 'deleted' ? 'removing its instances' : `status ${d.status}` };
  }
  if (!d) return { state: 'failed', reason: 'the deployment was removed' };
  if (d.status === 'deleted') return { state: 'failed', reason: 'the deployment was deleted (superseded by another apply, or deleted)' };
  if (TERMINAL_FAILURES.has(d.status)) return { state: 'failed', reason: `status ${d.status}` };
  if (RETRIED_FAILURES.has(d.status)) {
    const budget = i.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    const since = i.retryingSince ?? i.now;
    if (i.now - since >= budget) return { state: 'failed', reason: `status ${d.status} for ${Math.round((i.now - since) / 1000)}s (retry budget ${Math.round(budget / 1000)}s)` };
    return { state: 'pending', step: `status ${d.status}, retrying` };
  }
  if (d.status === 'completed') {
    // A job that ran to completion also went through running.
    return { state: 'succeeded', step: 'completed' };
  }
  if (target.for === 'completed') {
    if (d.kind !== 'job') return { state: 'failed', reason: 'a worker never completes (wait --for running)' };
    return { state: 'pending', step: `status ${d.status}` };
  }
  // for running
  if (d.status !== 'running') return { state: 'pending', step: `status ${d.status}` };
  if (d.kind === 'job') return { state: 'succeeded', step: 'running' };
  const ready = d.instances?.length ?? 0;
  const desired = desiredOf(d);
  if (d.parent_id) {
    const left = i.parent?.instances?.length ?? 0;
    return { state: 'pending', step: `rolling: draining ${d.parent_id.slice(0, 8)} (${left} instance${left === 1 ? '' : 's'} left)` };
  }
  if (target.parentId && i.parent) return { state: 'pending', step: `rolling: removing ${target.parentId.slice(0, 8)}` };
  if (ready < desired) return { state: 'pending', step: `${ready}/${desired} instances up` };
  return { state: 'succeeded', step: 'running' };
}
