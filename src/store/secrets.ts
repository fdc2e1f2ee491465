// The secret table. Values arrive and leave sealed (see domain/secret-box.ts): this module never
// sees a plaintext, and only valueOf() reads the BLOB back out.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';

/** A secret as the API shows it: never its value. */
export interface SecretRow { id: string; created_at: string; updated_at: string; namespace: string; name: string }

const COLUMNS = 'id, created_at, updated_at, namespace, name';

export function secretsRepo(db: Db) {
  return {
    list: (namespace?: string): SecretRow[] => (namespace === undefined
      ? db.prepare(`SELECT ${COLUMNS} FROM secret ORDER BY created_at, namespace, name`).all()
      : db.prepare(`SELECT ${COLUMNS} FROM secret WHERE namespace = ? ORDER BY created_at, name`).all(namespace)) as SecretRow[],
    get: (id: string): SecretRow | undefined =>
      db.prepare(`SELECT ${COLUMNS} FROM secret WHERE id = ?`).get(id) as SecretRow | undefined,
    byName: (namespace: string, name: string): SecretRow | undefined =>
      db.prepare(`SELECT ${COLUMNS} FROM secret WHERE namespace = ? AND name = ?`).get(namespace, name) as SecretRow | undefined,
    /** The sealed value, or undefined when there is no such secret. */
    valueOf: (namespace: string, name: string): Buffer | undefined =>
      (db.prepare('SELECT value FROM secret WHERE namespace = ? AND name = ?').get(namespace, name) as { value: Buffer } | undefined)?.value,
    insert(namespace: string, name: string, sealed: Buffer): SecretRow {
      const row: SecretRow = { id: randomUUID(), created_at: nowIso(), updated_at: '', namespace, name };
      db.prepare('INSERT INTO secret (id, created_at, updated_at, namespace, name, value) VALUES (?, ?, ?, ?, ?, ?)')
        .run(row.id, row.created_at, row.updated_at, namespace, name, sealed);
      return row;
    },
    remove: (id: string): boolean => db.prepare('DELETE FROM secret WHERE id = ?').run(id).changes > 0,
    countIn: (namespace: string): number =>
      (db.prepare('SELECT COUNT(*) AS n FROM secret WHERE namespace = ?').get(namespace) as { n: number }).n,
  };
}
