// The crash budget (RING.md §5.6), in one place: how many counted failures a deployment gets and
// what it becomes once they are spent. plan() (crashes it sees) and the executor (failed creates)
// both ask here.
import type { Kind, Status } from '../domain/status.js';
import { MAX_RESTART_COUNT } from '../domain/status.js';

/** Whether `restartCount` counted failures use up the budget. */
export function budgetSpent(restartCount: number): boolean {
  return restartCount >= MAX_RESTART_COUNT;
}

/** The terminal status of a deployment whose budget is spent: a worker loops no more, a job failed. */
export function budgetSpentStatus(kind: Kind): Status {
  return kind === 'job' ? 'failed' : 'crash_loop_back_off';
}

/**
 * The status after a failure classified as `status` that leaves the count at `restartCount`: a
 * terminal classification stands; otherwise the budget decides.
 */
export function statusAfterFailure(kind: Kind, restartCount: number, c: { status: Status; terminal: boolean }): Status {
  if (c.terminal) return c.status;
  return budgetSpent(restartCount) ? budgetSpentStatus(kind) : c.status;
}
