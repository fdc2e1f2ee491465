// The reconciler's one write path: a deployment's status, counter and digest, and the changes
// they cause (event rows and webhook events, through store.changes.record), in one transaction.
import { changeRecord, type DeploymentChange } from '../domain/changes.js';
import type { Deployment } from '../domain/deployment.js';
import type { Status } from '../domain/status.js';
import type { Store } from '../store/index.js';
import type { NewEvent } from '../store/events.js';
import type { Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { rolloutEndedBy } from './rollout.js';

/** Reported (inside the writing transaction) for every status change: observers and tests. */
export interface StatusChange { deployment: Deployment; from: Status; to: Status; restartCount: number }
export type StatusChangeHook = (change: StatusChange) => void;
/** Reported (inside the writing transaction) for every event row recorded: observers and tests. */
export type DeploymentEventHook = (deployment: Deployment, event: NewEvent) => void;

export interface WriteHooks {
  logger?: Logger;
  onStatusChange?: StatusChangeHook;
  onDeploymentEvent?: DeploymentEventHook;
}

export interface Write {
  /** Skip the whole write (returning false) unless the row still has these values. */
  expect?: { status?: Status; restartCount?: number };
  status?: Status;
  /** How the status change's event reads: containers running, a closing note, its component. */
  transition?: { containers?: number; note?: string; component?: string };
  restartCount?: number;
  imageDigest?: string | null;
  /** Recorded in order, before the status change. */
  changes?: DeploymentChange[];
}

/**
 * Writes a deployment change and what it causes in one transaction. Returns false, writing
 * nothing, when the row is gone, no longer matches `expect`, or is now `deleted` while the write
 * would change it (a delete that raced an apply wins).
 */
export function writeDeployment(store: Store, deploymentId: string, w: Write, hooks: WriteHooks = {}): boolean {
  return store.tx(() => {
    const cur = store.deployments.get(deploymentId);
    if (!cur) return false;
    if (w.expect?.status !== undefined && cur.status !== w.expect.status) return false;
    if (w.expect?.restartCount !== undefined && cur.restart_count !== w.expect.restartCount) return false;
    const mutates = w.status !== undefined || w.restartCount !== undefined || w.imageDigest !== undefined;
    if (mutates && cur.status === 'deleted' && w.expect?.status !== 'deleted') return false;

    if (w.restartCount !== undefined && w.restartCount !== cur.restart_count) {
      store.deployments.setRestartCount(deploymentId, w.restartCount);
    }
    if (w.imageDigest !== undefined && w.imageDigest !== cur.image_digest) {
      store.deployments.setImageDigest(deploymentId, w.imageDigest);
    }
    const changes = [...(w.changes ?? [])];
    const moves = w.status !== undefined && w.status !== cur.status;
    if (moves) {
      const restartCount = w.restartCount ?? cur.restart_count;
      changes.push({ kind: 'status_changed', from: cur.status, to: w.status!, restartCount, ...w.transition });
      // A rolling child that fails, completes or is deleted ends its rollout: say so, in this transaction.
      const ended = rolloutEndedBy(cur, w.status!, changes);
      if (ended) changes.push(ended);
      store.deployments.setStatus(deploymentId, w.status!);
    }
    record(store, cur, changes, hooks);
    if (moves) hooks.onStatusChange?.({ deployment: cur, from: cur.status, to: w.status!, restartCount: w.restartCount ?? cur.restart_count });
    return true;
  });
}

/** Records changes of a deployment (inside the caller's transaction), telling the observers. */
export function record(store: Store, d: Deployment, changes: readonly DeploymentChange[], hooks: WriteHooks = {}): void {
  store.changes.record(d, changes, {
    onWebhookError: (err, c) => hooks.logger?.error({ deployment: d.id, error: errorText(err) }, `could not queue the ${c.kind} webhook event`),
  });
  if (hooks.onDeploymentEvent) {
    for (const c of changes) {
      const e = changeRecord(d, c).event;
      if (e) hooks.onDeploymentEvent(d, e);
    }
  }
}
