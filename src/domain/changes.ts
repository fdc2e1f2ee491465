// A deployment change as a typed value, and the one pure mapping from it to the deployment event
// row (GET /deployments/{id}/events) and the outbound webhook payload (RING.md §7.2). Producers
// (API, planner, executor, prober) build changes; src/store/changes.ts records them. Nothing
// parses a message back: the webhook comes from the same value the message was written from.
import type { Deployment } from './deployment.js';
import { RETRIED_FAILURE_STATUSES, isTerminal, type Status } from './status.js';
import { SCHEMA_VERSION, errorCategory, type EventKind } from './webhooks.js';

export type EventLevel = 'info' | 'warning' | 'error';
/** One row of the deployment's event log, before the store gives it an id and a timestamp. */
export interface NewEvent { level: EventLevel; message: string; component: string; reason: string }

/** Event reasons written by more than one module, or that a webhook depends on. */
export const EVENT_REASON = {
  stateTransition: 'state_transition',
  scaleUp: 'scale_up',
  scaleDown: 'scale_down',
  deploymentCreated: 'deployment_created',
  forceReplace: 'force_replace',
  replicasChanged: 'replicas_changed',
  rollingUpdateStarted: 'rolling_update_started',
  rollingUpdateStep: 'rolling_update_step',
  rollingUpdateComplete: 'rolling_update_complete',
  rollingUpdateFailed: 'rolling_update_failed',
  rolloutInstanceStopped: 'rollout_instance_stopped',
  readinessDeadlineExceeded: 'readiness_deadline_exceeded',
  containerCrashed: 'container_crashed',
  nonRetryableExit: 'non_retryable_exit',
  crashLoopBackOff: 'crash_loop_back_off',
  containerCompleted: 'container_completed',
  containerDeletion: 'container_deletion',
  containerLost: 'container_lost',
  jobFailed: 'job_failed',
  restartCountReset: 'restart_count_reset',
  applyTimeout: 'apply_timeout',
  containerDied: 'container_died',
  containerOom: 'container_oom',
  containerKilled: 'container_killed',
  healthCheckRestart: 'health_check_instance_restart',
  healthCheckStop: 'health_check_stop',
  healthCheckAlert: 'health_check_alert',
  jobCompleted: 'job_completed',
  runtimeUnavailable: 'runtime_unavailable',
  livenessUnconfirmed: 'liveness_unconfirmed',
} as const;

/** Why plan() moves a status (carried on its setStatus actions, for logs and tests). */
export const STATUS_REASON = {
  restartBudgetExhausted: 'restart_budget_exhausted',
  containerCompleted: 'container_completed',
  nonRetryableExit: 'non_retryable_exit',
  instancesStarting: 'instances_starting',
  instancesUp: 'instances_up',
  rollingUpdateFailed: 'rolling_update_failed',
  readinessDeadlineExceeded: 'readiness_deadline_exceeded',
  jobFailed: 'job_failed',
  containerLost: 'container_lost',
  jobCompleted: 'job_completed',
  runtimeUnavailable: 'runtime_unavailable',
} as const;
export type StatusReason = (typeof STATUS_REASON)[keyof typeof STATUS_REASON];

export const COMPONENT = { scheduler: 'scheduler', docker: 'docker', dockerEvents: 'docker-events', api: 'api', healthChecker: 'health_checker' } as const;

export type HealthAction = 'restart' | 'stop' | 'alert';
export type RolloutPhase = 'started' | 'step' | 'complete' | 'failed';

export type DeploymentChange =
  /** The status moved; `note` ends the message in parentheses ("delete requested"). */
  | { kind: 'status_changed'; from: Status; to: Status; restartCount: number; containers?: number; component?: string; note?: string }
  /** The runtime added or removed one instance: `from` → `to` running, `replicas` the target. */
  | { kind: 'scaled'; direction: 'up' | 'down'; from: number; to: number; replicas: number; component?: string }
  /**
   * A runtime or configuration failure. `webhookReason` is the reason a `deployment.error` reports
   * when the row's own reason is not one (a missing config is recorded as volume_resolution_error
   * but reported as config_error).
   */
  | { kind: 'failure'; reason: string; message: string; component?: string; webhookReason?: string }
  /** A health check reached its threshold and its on_failure action fired (RING §6). */
  | { kind: 'health_check_failed'; instanceId: string; action: HealthAction; message: string }
  /** Progress of a rolling update, recorded on the child. */
  | { kind: 'rolling_update'; phase: RolloutPhase; parentId: string; message: string; level?: EventLevel; drainedInstanceId?: string }
  /** Anything else worth a row in the event log; published nowhere. */
  | { kind: 'noted'; event: NewEvent };

export interface OutboundEvent { kind: EventKind; payload: Record<string, unknown> }
export interface ChangeRecord { event: NewEvent | null; webhook: OutboundEvent | null }

/** The deployment fields every payload starts with. */
export type DeploymentRef = Pick<Deployment, 'id' | 'namespace' | 'name' | 'kind'>;

export function envelope(d: DeploymentRef): Record<string, unknown> {
  return { schema_version: SCHEMA_VERSION, deployment_id: d.id, namespace: d.namespace, name: d.name, kind: d.kind };
}

/**
 * An instance id short enough for a message: Docker's hex ids are cut to 12 characters, as Docker
 * prints them; other ids are already short and their tail is what tells replicas apart (a
 * cloud-hypervisor id is `ch-<deployment prefix>-<8 hex>`: its first 12 characters are the same for
 * every VM of a deployment).
 */
export function shortId(id: string): string {
  return /^[0-9a-f]+$/i.test(id) ? id.slice(0, 12) : id;
}

/** The state_transition event of a status change (RING §5.2: "Status changed from X to Y"). */
export function transitionEvent(from: Status, to: Status, o: { containers?: number; component?: string; note?: string } = {}): NewEvent {
  const tail = to === 'running' && o.containers !== undefined ? ` (${o.containers} containers)` : '';
  const note = o.note ? ` (${o.note})` : '';
  const level = isTerminal(to) && to !== 'completed' ? 'error' : RETRIED_FAILURE_STATUSES.includes(to) ? 'warning' : 'info';
  return { level, component: o.component ?? COMPONENT.scheduler, reason: EVENT_REASON.stateTransition, message: `Status changed from ${from} to ${to}${tail}${note}` };
}

/** The one mapping: what a change writes to the event log and what it sends to subscribers. */
export function changeRecord(d: DeploymentRef, c: DeploymentChange): ChangeRecord {
  switch (c.kind) {
    case 'status_changed':
      return {
        event: transitionEvent(c.from, c.to, c),
        webhook: { kind: 'deployment.status_changed', payload: { ...envelope(d), old_status: c.from, new_status: c.to, restart_count: c.restartCount } },
      };
    case 'scaled':
      return {
        event: {
          level: 'info', component: c.component ?? COMPONENT.docker, reason: c.direction === 'up' ? EVENT_REASON.scaleUp : EVENT_REASON.scaleDown,
          message: `Scaled ${c.direction} from ${c.from} to ${c.to} replicas`,
        },
        webhook: { kind: 'deployment.scaled', payload: { ...envelope(d), direction: c.direction, instance_count: c.to, replicas: c.replicas } },
      };
    case 'failure': {
      const category = errorCategory(c.webhookReason ?? c.reason);
      return {
        event: { level: 'error', component: c.component ?? COMPONENT.docker, reason: c.reason, message: c.message },
        webhook: category
          ? { kind: 'deployment.error', payload: { ...envelope(d), reason: category.reason, category: category.category, message: c.message } }
          : null,
      };
    }
    case 'health_check_failed':
      return {
        event: healthCheckEvent(c),
        webhook: { kind: 'deployment.health_check_failed', payload: { ...envelope(d), instance_id: c.instanceId, action: c.action, message: c.message } },
      };
    case 'rolling_update': {
      const reason = {
        started: EVENT_REASON.rollingUpdateStarted, step: EVENT_REASON.rollingUpdateStep,
        complete: EVENT_REASON.rollingUpdateComplete, failed: EVENT_REASON.rollingUpdateFailed,
      }[c.phase];
      const level = c.level ?? (c.phase === 'failed' ? 'error' : 'info');
      const component = c.phase === 'started' ? COMPONENT.api : COMPONENT.scheduler;
      return {
        event: { level, component, reason, message: c.message },
        // The start is the apply's own answer; subscribers hear of steps, completion and failure.
        webhook: c.phase === 'started' ? null : {
          kind: 'deployment.rolling_update',
          payload: { ...envelope(d), parent_id: c.parentId, phase: c.phase, drained_instance_id: c.phase === 'step' ? c.drainedInstanceId ?? null : null },
        },
      };
    }
    case 'noted':
      return { event: c.event, webhook: null };
    default: {
      const never: never = c;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function healthCheckEvent(c: Extract<DeploymentChange, { kind: 'health_check_failed' }>): NewEvent {
  const id = shortId(c.instanceId);
  switch (c.action) {
    case 'restart':
      return { level: 'warning', component: COMPONENT.healthChecker, reason: EVENT_REASON.healthCheckRestart,
        message: `Health check failed for instance ${id} (${c.message}), triggering instance restart` };
    case 'stop':
      return { level: 'warning', component: COMPONENT.healthChecker, reason: EVENT_REASON.healthCheckStop,
        message: `Health check failed for instance ${id} (${c.message}), stopping the deployment` };
    case 'alert':
      return { level: 'error', component: COMPONENT.healthChecker, reason: EVENT_REASON.healthCheckAlert,
        message: `Health check failed for instance ${id}: ${c.message}` };
  }
}

/** A row only, published nowhere. */
export function noted(level: EventLevel, component: string, reason: string, message: string): DeploymentChange {
  return { kind: 'noted', event: { level, component, reason, message } };
}
