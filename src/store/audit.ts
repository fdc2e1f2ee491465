// audit_log: one row per create/update/delete/revoke/rotate, written by the API inside the same
// transaction as the change it records (a change without its row, or a row without its change, cannot land).
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';

export type AuditAction = 'create' | 'update' | 'delete' | 'revoke' | 'rotate';
export type AuditTarget = 'deployment' | 'namespace' | 'secret' | 'config' | 'volume' | 'webhook' | 'token' | 'user';

export interface AuditRow {
  id: string; timestamp: string; user_id: string | null; username: string | null;
  action: AuditAction; target_type: AuditTarget; target_name: string; namespace: string | null;
}
export type NewAudit = Omit<AuditRow, 'id' | 'timestamp'>;

export function auditRepo(db: Db) {
  return {
    insert(e: NewAudit): AuditRow {
      const row: AuditRow = { id: randomUUID(), timestamp: nowIso(), ...e };
      db.prepare(`INSERT INTO audit_log (id, timestamp, user_id, username, action, target_type, target_name, namespace, seq)
        VALUES (@id, @timestamp, @user_id, @username, @action, @target_type, @target_name, @namespace, @seq)`).run({ ...row, seq: nextSeq() });
      return row;
    },
    /** Newest first. */
    listNamespace(namespace: string, limit: number): AuditRow[] {
      return db.prepare(`SELECT id, timestamp, user_id, username, action, target_type, target_name, namespace FROM audit_log
        WHERE namespace = ? ORDER BY seq DESC LIMIT ?`).all(namespace, limit) as AuditRow[];
    },
    /** Rows of objects outside namespaces (tokens, users, webhooks), newest first. */
    listGlobal(limit: number): AuditRow[] {
      return db.prepare(`SELECT id, timestamp, user_id, username, action, target_type, target_name, namespace FROM audit_log
        WHERE namespace IS NULL ORDER BY seq DESC LIMIT ?`).all(limit) as AuditRow[];
    },
    purgeNamespace(namespace: string): number {
      return db.prepare('DELETE FROM audit_log WHERE namespace = ?').run(namespace).changes;
    },
  };
}
