// The Swarm backend's decisions for one namespace/name: ring rows (a deployment and, during a
// rolling update, its child) + the observed service and tasks + the clock → actions. Pure.
//
// Swarm owns replicas, health, restarts and the rollout itself; ring decides only which row's spec
// the service should run, reads the outcome back, and times the rollout deadline:
// - the service runs the newest row that is neither deleted nor a failed rollout;
// - a rollback Swarm performed (UpdateConfig FailureAction rollback, or ring's deadline) fails the
//   row that was rolled back from, with reason rolling_update_failed; the older row keeps serving;
// - once the update has completed and the new row runs, the rows it replaced are purged;
// - with no row left to run, the service is removed and the deleted rows purged.
import { isTerminal, type Kind, type Status } from '../domain/status.js';
import { statusFromTasks, type ObservedTask, type ServiceStatus } from './status.js';

export interface SwarmRow { id: string; status: Status; kind: Kind; replicas: number; parent_id: string | null; created_at: string }

export interface ObservedService {
  id: string;
  /** `ring.deployment` of the current spec. */
  deploymentId: string | undefined;
  /** `ring.deployment` of the spec before the last update (what a rollback returns to, or came from). */
  previousDeploymentId: string | undefined;
  updateState?: string;
  updateStartedAt?: string;
  updateMessage?: string;
}

export type SwarmAction =
  | { type: 'create'; deploymentId: string }
  | { type: 'update'; deploymentId: string; serviceId: string }
  | { type: 'rollback'; serviceId: string; deploymentId: string; message: string }
  | { type: 'remove'; serviceId: string }
  | { type: 'purge'; deploymentId: string; replacedBy?: string }
  | { type: 'setStatus'; deploymentId: string; to: ServiceStatus }
  | { type: 'failRollout'; deploymentId: string; message: string };

export interface SwarmPlanInput {
  rows: SwarmRow[];
  service: ObservedService | undefined;
  tasks: ObservedTask[];
  now: number;
  /** RING_ROLLOUT_DEADLINE: an update still running after this long is rolled back by ring. */
  rolloutDeadlineMs: number;
}

/** A worker row that failed never runs again: a failed rollout, or its readiness deadline. */
const isFailedRollout = (r: SwarmRow) => r.status === 'failed' && r.kind === 'worker';

export function planSwarm(input: SwarmPlanInput): SwarmAction[] {
  const actions: SwarmAction[] = [];
  const rows = [...input.rows].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const svc = input.service;
  const failedNow = new Set<string>();

  // Swarm rolled back (its FailureAction, or ring's deadline): every row newer than the one the
  // service runs again, applied before the rollback began, failed. Swarm clears PreviousSpec on a
  // rollback, so the rollback's start time is what tells a rolled-back row from a newer apply.
  if (svc?.updateState?.startsWith('rollback')) {
    const current = rows.find((r) => r.id === svc.deploymentId);
    const rolledAt = Date.parse(svc.updateStartedAt ?? '');
    for (const r of rows) {
      if (!current || r === current || r.status === 'deleted' || isFailedRollout(r)) continue;
      if (r.created_at <= current.created_at) continue;
      if (Number.isFinite(rolledAt) && Date.parse(r.created_at) >= rolledAt) continue;
      actions.push({ type: 'failRollout', deploymentId: r.id, message: `Swarm rolled the service back: ${svc.updateMessage ?? 'update failed'}` });
      failedNow.add(r.id);
    }
  }

  const candidates = rows.filter((r) => r.status !== 'deleted' && !isFailedRollout(r) && !failedNow.has(r.id));
  const target = candidates[candidates.length - 1];

  if (!target) {
    if (svc) actions.push({ type: 'remove', serviceId: svc.id });
    else for (const r of rows) if (r.status === 'deleted') actions.push({ type: 'purge', deploymentId: r.id });
    return actions;
  }
  // Deleted rows that no longer run anywhere can go at once.
  for (const r of rows) {
    if (r.status === 'deleted' && r.id !== svc?.deploymentId) actions.push({ type: 'purge', deploymentId: r.id });
  }

  if (!svc) {
    if (!isTerminal(target.status)) actions.push({ type: 'create', deploymentId: target.id });
    return actions;
  }
  if (svc.deploymentId !== target.id) {
    if (!isTerminal(target.status)) actions.push({ type: 'update', deploymentId: target.id, serviceId: svc.id });
    return actions;
  }

  // The service runs the target's spec.
  const observed = statusFromTasks({ deploymentId: target.id, kind: target.kind, replicas: target.replicas, tasks: input.tasks });
  const updating = svc.updateState === 'updating';
  if (!isTerminal(target.status) && observed.status !== target.status && !(updating && observed.status === 'running')) {
    actions.push({ type: 'setStatus', deploymentId: target.id, to: observed });
  }
  if (updating && svc.updateStartedAt !== undefined) {
    const started = Date.parse(svc.updateStartedAt);
    if (Number.isFinite(started) && input.now - started > input.rolloutDeadlineMs) {
      actions.push({
        type: 'rollback', serviceId: svc.id, deploymentId: target.id,
        message: `Rollout did not complete within ${Math.round(input.rolloutDeadlineMs / 1000)} s (RING_ROLLOUT_DEADLINE); asking Swarm to roll back`,
      });
      return actions;
    }
  }
  // Done rolling (or nothing to roll): the rows this one replaced are purged.
  const settled = !updating && !svc.updateState?.startsWith('rollback') && (observed.status === 'running' || observed.status === 'completed');
  if (settled) {
    for (const r of rows) {
      if (r.id !== target.id && r.status !== 'deleted' && !isFailedRollout(r)) actions.push({ type: 'purge', deploymentId: r.id, replacedBy: target.id });
    }
  }
  return actions;
}
