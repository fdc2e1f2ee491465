// Rolling updates (RING.md §5.8): the writes that end one. The apply-time decision is planApply
// (src/domain/apply-plan.ts); the drain is planned in plan.ts (planDrain) and applied by the executor.
import type { Deployment } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import type { NewEvent } from '../store/events.js';
import type { Store } from '../store/index.js';
import { publishRollingUpdate } from '../webhooks/publish.js';

/** Statuses that end a child's rollout without completing it. */
export function endsRollout(status: Status): boolean {
  return status === 'deleted' || isTerminal(status);
}

export const ROLLING_UPDATE_FAILED = 'rolling_update_failed';

export function rolloutFailedEvent(child: Pick<Deployment, 'parent_id'>, why: string): NewEvent {
  return {
    level: 'error', component: 'scheduler', reason: ROLLING_UPDATE_FAILED,
    message: `Rolling update failed: ${why}; deployment ${child.parent_id} keeps serving`,
  };
}

/**
 * Call inside the transaction that moves a rolling child to `to`: when that ends its rollout,
 * publishes the `failed` phase and returns the event to record (unless `events` already has one).
 */
export function rolloutEndedBy(store: Store, child: Deployment, to: Status, events: readonly NewEvent[]): NewEvent | null {
  if (!child.parent_id || !endsRollout(to)) return null;
  publishRollingUpdate(store, child, { parentId: child.parent_id, phase: 'failed' });
  if (events.some((e) => e.reason === ROLLING_UPDATE_FAILED)) return null;
  return rolloutFailedEvent(child, to === 'deleted' ? 'the new deployment was deleted' : `the new deployment is ${to}`);
}
