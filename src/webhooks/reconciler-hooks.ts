// What the reconciler's writes publish (RING.md §7.2): status changes, runtime scale events and
// runtime failures. Both hooks run inside the transaction that writes the change.
import type { Deployment } from '../domain/deployment.js';
import { errorCategory } from '../domain/webhooks.js';
import type { NewEvent } from '../store/events.js';
import type { Store } from '../store/index.js';
import type { DeploymentEventHook, StatusChangeHook } from '../reconciler/execute.js';
import { publishError, publishScaled, publishStatusChanged } from './publish.js';

/** `Scaled up from 1 to 2 replicas` → 2: the instance count after the change (plan.ts writes these). */
const SCALED = /from (\d+) to (\d+) replicas?/;

/** The webhook event a deployment event stands for, as the publisher's arguments; null = none. */
export function webhookFor(d: Deployment, e: NewEvent):
  | { kind: 'deployment.scaled'; direction: 'up' | 'down'; instanceCount: number; replicas: number }
  | { kind: 'deployment.error'; reason: string; category: 'user' | 'host' | 'transient'; message: string }
  | null {
  // Autoscaler decisions only move the target; the runtime's own scale events follow them.
  if ((e.reason === 'scale_up' || e.reason === 'scale_down') && e.component !== 'autoscaler') {
    const m = SCALED.exec(e.message);
    if (!m) return null;
    const target = (d as Deployment & { desired_replicas?: number }).desired_replicas ?? d.replicas;
    return { kind: 'deployment.scaled', direction: e.reason === 'scale_up' ? 'up' : 'down', instanceCount: Number(m[2]), replicas: target };
  }
  const c = errorCategory(e.reason);
  return c ? { kind: 'deployment.error', reason: c.reason, category: c.category, message: e.message } : null;
}

interface Logger { error(fields: Record<string, unknown>, msg: string): void }

/**
 * The reconciler's hooks. Each publish runs in a savepoint of the reconciler's transaction: normally
 * the event commits with the change; should queueing fail, only the event is dropped (and logged),
 * never the reconciler's own write (Ring's publish is best-effort too).
 */
export function reconcilerWebhookHooks(store: Store, log?: Logger): { onStatusChange: StatusChangeHook; onDeploymentEvent: DeploymentEventHook } {
  const guarded = (deployment: Deployment, what: string, fn: () => void) => {
    try {
      store.tx(fn);
    } catch (err) {
      log?.error({ deployment: deployment.id, error: err instanceof Error ? err.message : String(err) }, `could not queue the ${what} webhook event`);
    }
  };
  return {
    onStatusChange: (c) => guarded(c.deployment, 'status change', () => {
      // A missing config or key is recorded under its resolution reason (volume_resolution_error), which
      // is not a runtime reason; the config_error status it causes is. Its message is the event just
      // written in this same transaction.
      if (c.to === 'config_error') {
        const [cause] = store.events.list(c.deployment.id, { level: 'error', limit: 1 });
        if (cause && !errorCategory(cause.reason)) publishError(store, c.deployment, { reason: 'config_error', category: 'user', message: cause.message });
      }
      publishStatusChanged(store, c.deployment, { from: c.from, to: c.to, restartCount: c.restartCount });
    }),
    onDeploymentEvent: (d, e) => {
      const w = webhookFor(d, e);
      if (!w) return;
      guarded(d, w.kind, () => {
        if (w.kind === 'deployment.scaled') publishScaled(store, d, w);
        else publishError(store, d, w);
      });
    },
  };
}
