// A runtime that stops answering (dockerd stopped, restarting or wedged): what the deployments on
// it say meanwhile, and how the instances the outage took down are accounted for once it returns.
// Pure decisions here; the loop calls them from its list() step.
import type { Deployment } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import type { Instance } from '../runtime/runtime.js';
import type { NewEvent } from '../store/events.js';
import { shortId } from './plan.js';

/** One runtime's outage, from its last good list() to now. */
export interface Outage {
  /** Last successful list() before the outage (ms); instances that ended after it went down with the runtime. */
  lastGoodListAt: number;
  startedAt: number;
  error: string;
  /** Deployments already told about this outage. */
  reported: Set<string>;
}

/** What one deployment records when its runtime is found unreachable. */
export interface OutageWrite { status?: Status; event: NewEvent }

/**
 * A worker that was being reconciled becomes `error` (the catch-all retried status: its runtime
 * cannot be reached, so nothing it shows is known), with the runtime's words. A job keeps its
 * status (a job's status is its run's outcome, and `error` would make it start again); it only
 * gets the event. Deleted rows say nothing: they are going away either way.
 */
export function outageWrite(d: Deployment, runtime: string, error: string): OutageWrite | null {
  if (d.status === 'deleted' || isTerminal(d.status)) return null;
  const event: NewEvent = {
    level: 'error', component: 'scheduler', reason: 'runtime_unavailable',
    message: `The ${runtime} runtime cannot be reached (${error}); instances are not being reconciled until it answers again`,
  };
  return d.kind === 'worker' && d.status !== 'error' ? { status: 'error', event } : { event };
}

export function recoveryEvent(runtime: string, outage: Outage, now: number): NewEvent {
  const s = Math.max(0, Math.round((now - outage.startedAt) / 1000));
  return {
    level: 'info', component: 'scheduler', reason: 'runtime_available',
    message: `The ${runtime} runtime answers again after about ${s} s; reconciling`,
  };
}

/**
 * Ended instances the outage took down: those that finished after the last good list() (a daemon
 * restart stops every container it runs). Their end is not the workload's fault, so it is not
 * counted against restart_count; they are replaced like any missing instance. A workload that
 * happened to crash during the outage is indistinguishable and is not counted either.
 */
export function lostWithRuntime(instances: readonly Instance[], outage: Pick<Outage, 'lastGoodListAt'>): Instance[] {
  return instances.filter((i) => (i.state === 'exited' || i.state === 'dead')
    && (i.finishedAt === null || i.finishedAt >= outage.lastGoodListAt));
}

export function lostEvent(i: Instance): NewEvent {
  return {
    level: 'warning', component: 'scheduler', reason: 'instance_lost_with_runtime',
    message: `Container ${shortId(i.id)} stopped while the runtime was unavailable; replacing it (not counted as a restart)`,
  };
}
