import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';

export interface NamespaceRow { id: string; created_at: string; updated_at: string; name: string }

export function namespacesRepo(db: Db) {
  const byName = (name: string): NamespaceRow | undefined =>
    db.prepare('SELECT * FROM namespace WHERE name = ?').get(name) as NamespaceRow | undefined;
  return {
    list: (): NamespaceRow[] => db.prepare('SELECT * FROM namespace ORDER BY created_at, name').all() as NamespaceRow[],
    byName,
    byIdOrName: (key: string): NamespaceRow | undefined =>
      (db.prepare('SELECT * FROM namespace WHERE id = ? OR name = ?').get(key, key) as NamespaceRow | undefined),
    insert(name: string): NamespaceRow {
      const row = { id: randomUUID(), created_at: nowIso(), updated_at: '', name };
      db.prepare('INSERT INTO namespace (id, created_at, updated_at, name) VALUES (@id, @created_at, @updated_at, @name)').run(row);
      return row;
    },
    /** Creates the namespace unless it exists; returns whether it was created. */
    ensure(name: string): boolean {
      const r = db.prepare('INSERT OR IGNORE INTO namespace (id, created_at, updated_at, name) VALUES (?, ?, \'\', ?)')
        .run(randomUUID(), nowIso(), name);
      return r.changes > 0;
    },
    remove: (id: string): void => void db.prepare('DELETE FROM namespace WHERE id = ?').run(id),
    /** Everything that still lives in the namespace: deployments not yet purged, secrets, configs. */
    dependents: (name: string): number =>
      (db.prepare(`SELECT (SELECT COUNT(*) FROM deployment WHERE namespace = @name)
        + (SELECT COUNT(*) FROM secret WHERE namespace = @name)
        + (SELECT COUNT(*) FROM config WHERE namespace = @name) AS n`).get({ name }) as { n: number }).n,
  };
}
