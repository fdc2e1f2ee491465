// Webhook subscribers. The secret is kept in clear: it is the key that signs each delivery.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';

export interface WebhookRow {
  id: string;
  created_at: string;
  url: string;
  secret: string;
  /** Subscription filter; empty = every kind. */
  events: string[];
  revoked_at: string | null;
}

interface Raw extends Omit<WebhookRow, 'events'> { events: string }

function decode(r: Raw): WebhookRow {
  let events: unknown;
  try {
    events = JSON.parse(r.events);
  } catch {
    events = [];
  }
  return { id: r.id, created_at: r.created_at, url: r.url, secret: r.secret, revoked_at: r.revoked_at,
    events: Array.isArray(events) ? events.map(String) : [] };
}

const COLUMNS = 'id, created_at, url, secret, events, revoked_at';

export function webhooksRepo(db: Db) {
  return {
    insert(w: { url: string; secret: string; events: string[] }): WebhookRow {
      const id = randomUUID();
      db.prepare('INSERT INTO webhook (id, created_at, url, secret, events, revoked_at, seq) VALUES (?, ?, ?, ?, ?, NULL, ?)')
        .run(id, nowIso(), w.url, w.secret, JSON.stringify(w.events), nextSeq());
      return this.get(id)!;
    },
    get(id: string): WebhookRow | undefined {
      const r = db.prepare(`SELECT ${COLUMNS} FROM webhook WHERE id = ?`).get(id) as Raw | undefined;
      return r && decode(r);
    },
    /** Newest first, revoked included. */
    list(): WebhookRow[] {
      return (db.prepare(`SELECT ${COLUMNS} FROM webhook ORDER BY seq DESC`).all() as Raw[]).map(decode);
    },
    active(): WebhookRow[] {
      return (db.prepare(`SELECT ${COLUMNS} FROM webhook WHERE revoked_at IS NULL ORDER BY seq`).all() as Raw[]).map(decode);
    },
    /** Marks it revoked (once); false when it already was. Pending deliveries are the outbox's to cancel. */
    revoke(id: string): boolean {
      return db.prepare('UPDATE webhook SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(nowIso(), id).changes > 0;
    },
  };
}
