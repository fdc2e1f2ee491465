// What a Swarm service's tasks mean in ring's statuses. Pure.
//
// Swarm owns replicas, health, restarts and rollouts; ring reads them back:
//   every desired task running (healthy, where a HEALTHCHECK exists: Swarm keeps a task `starting`
//   until it is) → running; a task that cannot get its image → image_pull_back_off; no node with the
//   resources → insufficient_resources; SWARM_MAX_ATTEMPTS failed tasks and none running →
//   crash_loop_back_off; a job's task complete → completed, failed → failed (its exit code named).
import type { Kind, Status } from '../domain/status.js';
import { SWARM_MAX_ATTEMPTS } from './spec.js';

export interface ObservedTask {
  id: string;
  /** The ring deployment id in the task's container labels (the spec version it runs). */
  deploymentId: string | undefined;
  state: string;
  desiredState: string;
  err?: string;
  exitCode?: number;
  node?: string;
}

export interface ServiceStatus { status: Status; reason: string; message: string; restarts: number }

const PULL_ERROR = /no such image|pull access denied|manifest unknown|not found|repository does not exist|unauthorized|no basic auth credentials/i;
const RESOURCE_ERROR = /insufficient resources|no suitable node/i;
const FAILED_STATES = new Set(['failed', 'rejected']);

export function statusFromTasks(input: { deploymentId: string; kind: Kind; replicas: number; tasks: ObservedTask[] }): ServiceStatus {
  const mine = input.tasks.filter((t) => t.deploymentId === input.deploymentId);
  const failed = mine.filter((t) => FAILED_STATES.has(t.state));
  const restarts = Math.min(failed.length, SWARM_MAX_ATTEMPTS);
  const live = mine.filter((t) => t.desiredState === 'running' || t.desiredState === 'complete');
  const running = live.filter((t) => t.state === 'running').length;

  const pull = mine.find((t) => t.err !== undefined && PULL_ERROR.test(t.err));
  const noRoom = live.find((t) => t.state === 'pending' && t.err !== undefined && RESOURCE_ERROR.test(t.err));

  if (input.kind === 'job') {
    const done = mine.find((t) => t.state === 'complete');
    if (done) return { status: 'completed', reason: 'job_completed', message: 'Job task completed (exit code 0)', restarts };
    if (pull) return { status: 'image_pull_back_off', reason: 'image_pull_failed', message: pull.err!, restarts };
    const dead = failed[0];
    if (dead && live.every((t) => t.state !== 'running' && t.state !== 'starting')) {
      const code = dead.exitCode ?? -1;
      return { status: 'failed', reason: 'job_failed', message: `Job task failed with exit code ${code}${dead.err ? `: ${dead.err}` : ''}`, restarts };
    }
    if (noRoom) return { status: 'insufficient_resources', reason: 'insufficient_resources', message: noRoom.err!, restarts };
    return { status: running > 0 ? 'running' : 'creating', reason: 'job_running', message: 'Job task scheduled', restarts };
  }

  if (running >= input.replicas) {
    return { status: 'running', reason: 'replicas_running', message: `${running}/${input.replicas} tasks running`, restarts };
  }
  if (pull && running === 0) return { status: 'image_pull_back_off', reason: 'image_pull_failed', message: pull.err!, restarts };
  if (noRoom) return { status: 'insufficient_resources', reason: 'insufficient_resources', message: noRoom.err!, restarts };
  if (failed.length >= SWARM_MAX_ATTEMPTS && running === 0) {
    const last = failed[0];
    return {
      status: 'crash_loop_back_off', reason: 'crash_loop_back_off',
      message: `${failed.length} tasks failed${last?.exitCode !== undefined ? ` (last exit code ${last.exitCode})` : ''}; Swarm stopped restarting`,
      restarts,
    };
  }
  return { status: 'creating', reason: 'tasks_starting', message: `${running}/${input.replicas} tasks running`, restarts };
}
