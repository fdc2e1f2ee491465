// Publishing outbound events (RING.md §7.2): the one entry point for every producer.
//
// Call a publish function INSIDE the store.tx() of the change that caused the event: the event
// row then commits (or rolls back) with that change, so a subscriber never hears of a change that
// did not happen and never misses one that did. Called outside a transaction it is its own.
// Delivery is asynchronous (src/webhooks/dispatcher.ts), woken as soon as the transaction ends.
//
//   store.tx(() => {
//     store.events.insert(d.id, { level: 'warning', component: 'health_checker', reason: 'health_check_alert', message });
//     publishHealthCheckFailed(store, d, { instanceId, action: 'alert', message });
//   });
import type { Deployment } from '../domain/deployment.js';
import { SCHEMA_VERSION, subscribesTo, type EventKind, type ErrorCategory } from '../domain/webhooks.js';
import type { Store } from '../store/index.js';
import type { OutboxEventRow } from '../store/outbox.js';

/** The deployment fields every payload starts with. */
export type DeploymentRef = Pick<Deployment, 'id' | 'namespace' | 'name' | 'kind'>;

export interface Envelope {
  schema_version: typeof SCHEMA_VERSION;
  deployment_id: string;
  namespace: string;
  name: string;
  /** The deployment's kind (worker | job); the event kind travels in the X-Ring-Event header. */
  kind: string;
}

export function envelope(d: DeploymentRef): Envelope {
  return { schema_version: SCHEMA_VERSION, deployment_id: d.id, namespace: d.namespace, name: d.name, kind: d.kind };
}

/** Listeners per database, so a dispatcher hears of events its own process queued. */
const listeners = new WeakMap<object, Set<() => void>>();

/** Calls `fn` after each publish on this store (synchronously, inside the publishing transaction). */
export function onPublish(store: Store, fn: () => void): () => void {
  let set = listeners.get(store.db);
  if (!set) listeners.set(store.db, (set = new Set()));
  set.add(fn);
  return () => void set.delete(fn);
}

/** Queues one event for every active subscriber whose filter takes its kind. */
export function publishEvent(store: Store, kind: EventKind, deploymentId: string | null, payload: object): OutboxEventRow {
  const webhookIds = store.webhooks.active().filter((w) => subscribesTo(w.events, kind)).map((w) => w.id);
  const row = store.outbox.enqueue({ kind, deploymentId, payload: JSON.stringify(payload), webhookIds, now: new Date().toISOString() });
  if (webhookIds.length) for (const fn of listeners.get(store.db) ?? []) fn();
  return row;
}

export function publishStatusChanged(store: Store, d: DeploymentRef, change: { from: string; to: string; restartCount: number }): OutboxEventRow {
  return publishEvent(store, 'deployment.status_changed', d.id, {
    ...envelope(d), old_status: change.from, new_status: change.to, restart_count: change.restartCount,
  });
}

/** A health check reached its threshold and its `on_failure` action fired (RING §6). */
export function publishHealthCheckFailed(
  store: Store, d: DeploymentRef, f: { instanceId: string; action: 'restart' | 'stop' | 'alert'; message: string },
): OutboxEventRow {
  return publishEvent(store, 'deployment.health_check_failed', d.id, {
    ...envelope(d), instance_id: f.instanceId, action: f.action, message: f.message,
  });
}

/** Progress of a rolling update, published for the child (RING §5.8); `drainedInstanceId` only with `step`. */
export function publishRollingUpdate(
  store: Store, child: DeploymentRef, u: { parentId: string; phase: 'step' | 'complete' | 'failed'; drainedInstanceId?: string | null },
): OutboxEventRow {
  return publishEvent(store, 'deployment.rolling_update', child.id, {
    ...envelope(child), parent_id: u.parentId, phase: u.phase, drained_instance_id: u.phase === 'step' ? u.drainedInstanceId ?? null : null,
  });
}

/** The runtime added or removed one instance; `instanceCount` after the change, `replicas` the target. */
export function publishScaled(
  store: Store, d: DeploymentRef, s: { direction: 'up' | 'down'; instanceCount: number; replicas: number },
): OutboxEventRow {
  return publishEvent(store, 'deployment.scaled', d.id, {
    ...envelope(d), direction: s.direction, instance_count: s.instanceCount, replicas: s.replicas,
  });
}

export function publishError(
  store: Store, d: DeploymentRef, e: { reason: string; category: ErrorCategory; message: string },
): OutboxEventRow {
  return publishEvent(store, 'deployment.error', d.id, { ...envelope(d), reason: e.reason, category: e.category, message: e.message });
}
