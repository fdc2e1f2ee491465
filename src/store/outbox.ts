// The outbound event queue (RING's `events` table) and its per-subscriber deliveries.
//
// An event row is written in the transaction of the change that caused it, with one delivery row
// per subscriber whose filter matched at that moment. Each delivery is retried on its own, so a
// retry never re-sends to a subscriber that already acknowledged (Ring re-sends to all, §14).
// Deliveries of one subscriber for one deployment (a "stream") go out strictly in order: only the
// oldest pending delivery of a stream is ever due.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq } from './db.js';

export type EventStatus = 'pending' | 'delivered' | 'dead';
export type DeliveryStatus = EventStatus | 'cancelled';

export interface OutboxEventRow {
  id: string;
  kind: string;
  deployment_id: string | null;
  payload: string;
  status: EventStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** One delivery as GET /webhooks/{id}/events shows it: the event, with this subscriber's progress. */
export interface DeliveryView {
  id: string;
  kind: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** A delivery the dispatcher should attempt now. */
export interface DueDelivery {
  event_id: string;
  webhook_id: string;
  kind: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  revoked_at: string | null;
}

const EVENT_COLUMNS = 'id, kind, deployment_id, payload, status, attempts, next_attempt_at, last_error, created_at, updated_at';

/** Only the head of each stream: nothing older is still pending for the same subscriber and deployment. */
const HEAD = `NOT EXISTS (SELECT 1 FROM webhook_delivery p
  WHERE p.webhook_id = d.webhook_id AND p.stream = d.stream AND p.status = 'pending' AND p.seq < d.seq)`;

export function outboxRepo(db: Db) {
  /** Re-derives the event's summary (RING's columns) from its deliveries. */
  const refreshStmt = db.prepare(`UPDATE events SET
      status = CASE
        WHEN EXISTS (SELECT 1 FROM webhook_delivery WHERE event_id = @id AND status = 'pending') THEN 'pending'
        WHEN EXISTS (SELECT 1 FROM webhook_delivery WHERE event_id = @id AND status = 'dead') THEN 'dead'
        ELSE 'delivered' END,
      attempts = COALESCE((SELECT MAX(attempts) FROM webhook_delivery WHERE event_id = @id), 0),
      next_attempt_at = (SELECT MIN(next_attempt_at) FROM webhook_delivery WHERE event_id = @id AND status = 'pending'),
      last_error = COALESCE(@error, last_error),
      updated_at = @now
    WHERE id = @id`);
  const refresh = (id: string, now: string, error: string | null = null) => void refreshStmt.run({ id, now, error });

  return {
    /** Queues an event for these subscribers; with none it is `delivered` at once (as in Ring). */
    enqueue(e: { kind: string; deploymentId: string | null; payload: string; webhookIds: string[]; now: string }): OutboxEventRow {
      const id = randomUUID();
      const seq = nextSeq();
      const status: EventStatus = e.webhookIds.length ? 'pending' : 'delivered';
      db.prepare(`INSERT INTO events (id, created_at, updated_at, kind, deployment_id, payload, status, attempts, next_attempt_at, last_error, seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, ?)`)
        .run(id, e.now, e.now, e.kind, e.deploymentId, e.payload, status, e.webhookIds.length ? e.now : null, seq);
      const insert = db.prepare(`INSERT INTO webhook_delivery (event_id, webhook_id, stream, seq, status, attempts, next_attempt_at, last_error, updated_at)
        VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, ?)`);
      for (const w of e.webhookIds) insert.run(id, w, e.deploymentId ?? id, seq, e.now, e.now);
      return this.get(id)!;
    },

    get(id: string): OutboxEventRow | undefined {
      return db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(id) as OutboxEventRow | undefined;
    },

    /** Deliveries due at `now`, oldest first, at most one per stream. */
    due(now: string, limit: number): DueDelivery[] {
      return db.prepare(`SELECT d.event_id, d.webhook_id, e.kind, e.payload, d.attempts, w.url, w.secret, w.revoked_at
        FROM webhook_delivery d JOIN events e ON e.id = d.event_id JOIN webhook w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND ${HEAD}
        ORDER BY d.seq LIMIT ?`).all(now, limit) as DueDelivery[];
    },

    /** When the next stream head falls due (null = nothing pending). */
    nextDueAt(): string | null {
      const r = db.prepare(`SELECT MIN(d.next_attempt_at) AS at FROM webhook_delivery d WHERE d.status = 'pending' AND ${HEAD}`)
        .get() as { at: string | null };
      return r.at;
    },

    markDelivered(eventId: string, webhookId: string, now: string): void {
      db.prepare(`UPDATE webhook_delivery SET status = 'delivered', attempts = attempts + 1, updated_at = ?
        WHERE event_id = ? AND webhook_id = ? AND status = 'pending'`).run(now, eventId, webhookId);
      refresh(eventId, now);
    },

    /** One failed attempt: retried at `retryAt`, or dead-lettered when `retryAt` is null. */
    markFailed(eventId: string, webhookId: string, f: { error: string; retryAt: string | null; now: string }): void {
      db.prepare(`UPDATE webhook_delivery SET attempts = attempts + 1, last_error = @error, updated_at = @now,
          status = CASE WHEN @retryAt IS NULL THEN 'dead' ELSE 'pending' END,
          next_attempt_at = COALESCE(@retryAt, next_attempt_at)
        WHERE event_id = @eventId AND webhook_id = @webhookId AND status = 'pending'`)
        .run({ eventId, webhookId, error: f.error, retryAt: f.retryAt, now: f.now });
      refresh(eventId, f.now, f.error);
    },

    /** Drops a subscriber's pending deliveries (it was revoked); returns how many. */
    cancelPending(webhookId: string, now: string): number {
      const ids = (db.prepare(`SELECT event_id FROM webhook_delivery WHERE webhook_id = ? AND status = 'pending'`)
        .all(webhookId) as { event_id: string }[]).map((r) => r.event_id);
      db.prepare(`UPDATE webhook_delivery SET status = 'cancelled', updated_at = ? WHERE webhook_id = ? AND status = 'pending'`)
        .run(now, webhookId);
      for (const id of ids) refresh(id, now);
      return ids.length;
    },

    /** This subscriber's deliveries, newest first. */
    listForWebhook(webhookId: string, limit: number): DeliveryView[] {
      return db.prepare(`SELECT e.id, e.kind, e.payload, d.status, d.attempts,
          CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
          d.last_error, e.created_at, d.updated_at
        FROM webhook_delivery d JOIN events e ON e.id = d.event_id
        WHERE d.webhook_id = ? ORDER BY d.seq DESC LIMIT ?`).all(webhookId, limit) as DeliveryView[];
    },

    /** Retention: settled events (and their deliveries) older than the cut-offs go. */
    prune(opts: { deliveredBefore: string; deadBefore: string }): number {
      return db.prepare(`DELETE FROM events WHERE (status = 'delivered' AND updated_at < ?) OR (status = 'dead' AND updated_at < ?)`)
        .run(opts.deliveredBefore, opts.deadBefore).changes;
    },
  };
}
