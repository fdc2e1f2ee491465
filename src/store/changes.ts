// The only way a deployment change is recorded: its event row and, for subscribers whose filter
// takes it, its outbound webhook event (RING.md §7.2), both inside the caller's transaction, so a
// subscriber never hears of a change that did not happen and never misses one that did.
// The mapping from change to row and payload is src/domain/changes.ts; delivery is the
// dispatcher's (src/webhooks/dispatcher.ts), woken as soon as the transaction ends.
import { changeRecord, type DeploymentChange, type DeploymentRef } from '../domain/changes.js';
import { subscribesTo } from '../domain/webhooks.js';
import type { Db } from './db.js';
import type { eventsRepo } from './events.js';
import type { OutboxEventRow, outboxRepo } from './outbox.js';
import type { webhooksRepo } from './webhooks.js';

/** Listeners per database, so a dispatcher hears of events its own process queued. */
const listeners = new WeakMap<object, Set<() => void>>();

/** Calls `fn` after each queued webhook event on this database (synchronously, inside the transaction). */
export function onWebhookQueued(db: Db, fn: () => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(fn);
  return () => void set.delete(fn);
}

export interface RecordOptions {
  /**
   * Queueing a webhook is best-effort (as Ring's publish): it runs in a savepoint, and a failure
   * drops only that webhook event, reported here, never the change being recorded.
   */
  onWebhookError?: (err: unknown, change: DeploymentChange) => void;
}

export function changesRepo(db: Db, repos: { events: ReturnType<typeof eventsRepo>; outbox: ReturnType<typeof outboxRepo>; webhooks: ReturnType<typeof webhooksRepo> }) {
  const savepoint = <T>(fn: () => T): T => db.transaction(fn)();
  return {
    /**
     * Records each change (row, then webhook) in order. Call inside the transaction of the write
     * that caused them. Returns the webhook events queued.
     */
    record(d: DeploymentRef, changes: readonly DeploymentChange[], opts: RecordOptions = {}): OutboxEventRow[] {
      const queued: OutboxEventRow[] = [];
      for (const change of changes) {
        const { event, webhook } = changeRecord(d, change);
        if (event) repos.events.insert(d.id, event);
        if (!webhook) continue;
        try {
          savepoint(() => {
            const webhookIds = repos.webhooks.active().filter((w) => subscribesTo(w.events, webhook.kind)).map((w) => w.id);
            queued.push(repos.outbox.enqueue({ kind: webhook.kind, deploymentId: d.id, payload: JSON.stringify(webhook.payload), webhookIds, now: new Date().toISOString() }));
            if (webhookIds.length) for (const fn of listeners.get(db) ?? []) fn();
          });
        } catch (err) {
          if (!opts.onWebhookError) throw err;
          opts.onWebhookError(err, change);
        }
      }
      return queued;
    },
  };
}
