import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';

export type ProbeStatus = 'success' | 'failed' | 'timeout';
export interface HealthCheckRow {
  id: string; deployment_id: string; instance_id: string; check_index: number; check_type: string;
  status: ProbeStatus; message: string; created_at: string; started_at: string; finished_at: string;
}

export const RETENTION_PER_DEPLOYMENT = 50;
export const RETENTION_MS = 7 * 24 * 3600 * 1000;

export function healthChecksRepo(db: Db) {
  // Prepared once: every probe result is an insert (300 instances × 1 s checks = 300 a second).
  const insertStmt = db.prepare(`INSERT INTO health_check (id, deployment_id, instance_id, check_index, check_type, status, message,
    created_at, started_at, finished_at, seq) VALUES (@id, @deployment_id, @instance_id, @check_index, @check_type,
    @status, @message, @created_at, @started_at, @finished_at, @seq)`);
  const deploymentsStmt = db.prepare('SELECT DISTINCT deployment_id FROM health_check').pluck();
  // Through the (deployment_id, seq) index: the 50th newest row's seq, then what is older.
  const trimStmt = db.prepare(`DELETE FROM health_check WHERE deployment_id = @d AND seq < (SELECT seq FROM health_check
    WHERE deployment_id = @d ORDER BY seq DESC LIMIT 1 OFFSET @keep)`);
  const expireStmt = db.prepare('DELETE FROM health_check WHERE created_at < ?');
  // A batch is written a moment after its results were taken (the prober's flush): a deployment
  // purged meanwhile (purge() deletes its history) must not get orphan rows back.
  const insertIfPresentStmt = db.prepare(`INSERT INTO health_check (id, deployment_id, instance_id, check_index, check_type, status,
    message, created_at, started_at, finished_at, seq) SELECT @id, @deployment_id, @instance_id, @check_index, @check_type, @status,
    @message, @created_at, @started_at, @finished_at, @seq WHERE EXISTS (SELECT 1 FROM deployment WHERE id = @deployment_id)`);
  return {
    insert(r: Omit<HealthCheckRow, 'id' | 'created_at'>): HealthCheckRow {
      const row = { ...r, id: randomUUID(), created_at: nowIso() };
      insertStmt.run({ ...row, seq: nextSeq() });
      return row;
    },
    /**
     * Writes results taken earlier (created_at is when they were taken, given by the caller), in
     * order, skipping those of a deployment no longer stored. Call inside a transaction (store.tx)
     * to write them with one commit. Returns how many were written.
     */
    insertBatch(rows: readonly Omit<HealthCheckRow, 'id'>[]): number {
      let written = 0;
      for (const r of rows) written += insertIfPresentStmt.run({ ...r, id: randomUUID(), seq: nextSeq() }).changes;
      return written;
    },
    /**
     * Newest first, by when the check started (the history's first column): two checks that run
     * concurrently are recorded in the order they finish, so record order alone can invert them.
     * With latest, only the newest result of each declared check.
     */
    list(deploymentId: string, opts: { limit: number; latest?: boolean }): HealthCheckRow[] {
      const cols = 'id, deployment_id, instance_id, check_index, check_type, status, message, created_at, started_at, finished_at';
      const sql = opts.latest
        ? `SELECT ${cols} FROM health_check h WHERE deployment_id = ? AND seq = (SELECT MAX(seq) FROM health_check
             WHERE deployment_id = h.deployment_id AND check_index = h.check_index) ORDER BY started_at DESC, seq DESC LIMIT ?`
        : `SELECT ${cols} FROM health_check WHERE deployment_id = ? ORDER BY started_at DESC, seq DESC LIMIT ?`;
      return db.prepare(sql).all(deploymentId, opts.limit) as HealthCheckRow[];
    },
    /** One deployment's share of the retention: its 50 newest results are kept (the prober, as it records). */
    trim(deploymentId: string): void {
      trimStmt.run({ d: deploymentId, keep: RETENTION_PER_DEPLOYMENT - 1 });
    },
    /** The seeds' retention: nothing older than 7 days, at most 50 per deployment. */
    prune(now = Date.now()): void {
      db.transaction(() => {
        expireStmt.run(new Date(now - RETENTION_MS).toISOString());
        // Per deployment through the index, instead of numbering every row of the table.
        for (const d of deploymentsStmt.all() as string[]) trimStmt.run({ d, keep: RETENTION_PER_DEPLOYMENT - 1 });
      })();
    },
  };
}
