import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';

export type EventLevel = 'info' | 'warning' | 'error';
export interface DeploymentEventRow {
  id: string; deployment_id: string; timestamp: string; level: EventLevel; message: string; component: string; reason: string;
}
export interface NewEvent { level: EventLevel; message: string; component: string; reason: string }

export function eventsRepo(db: Db) {
  return {
    insert(deploymentId: string, e: NewEvent): DeploymentEventRow {
      const row = { id: randomUUID(), deployment_id: deploymentId, timestamp: nowIso(), ...e };
      db.prepare(`INSERT INTO deployment_event (id, deployment_id, timestamp, level, message, component, reason, seq)
        VALUES (@id, @deployment_id, @timestamp, @level, @message, @component, @reason, @seq)`).run({ ...row, seq: nextSeq() });
      return row;
    },
    /** Newest first. */
    list(deploymentId: string, opts: { level?: string; limit: number }): DeploymentEventRow[] {
      const sql = `SELECT id, deployment_id, timestamp, level, message, component, reason FROM deployment_event
        WHERE deployment_id = ? ${opts.level ? 'AND level = ?' : ''} ORDER BY seq DESC LIMIT ?`;
      const args: (string | number)[] = [deploymentId];
      if (opts.level) args.push(opts.level);
      args.push(opts.limit);
      return db.prepare(sql).all(...args) as DeploymentEventRow[];
    },
    /** Events recorded after `seq`, oldest first, with their seq: the cursor of the deployment change stream. */
    after(seq: number, limit = 1000): (DeploymentEventRow & { seq: number })[] {
      return db.prepare(`SELECT id, deployment_id, timestamp, level, message, component, reason, seq FROM deployment_event
        WHERE seq > ? ORDER BY seq LIMIT ?`).all(seq, limit) as (DeploymentEventRow & { seq: number })[];
    },
    /** The newest event's seq (0 when there is none). */
    lastSeq(): number {
      return (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM deployment_event').get() as { s: number }).s;
    },
  };
}
