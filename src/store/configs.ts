// The config table: named JSON documents whose keys deployments mount as files.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';

export interface ConfigRow {
  id: string; created_at: string; updated_at: string; namespace: string; name: string;
  /** A JSON object as text: key → file content. */
  data: string;
  labels: string;
}

export function configsRepo(db: Db) {
  return {
    list(f: { namespace?: string; name?: string } = {}): ConfigRow[] {
      const where: string[] = [];
      const args: string[] = [];
      if (f.namespace !== undefined) { where.push('namespace = ?'); args.push(f.namespace); }
      if (f.name !== undefined) { where.push('name = ?'); args.push(f.name); }
      return db.prepare(`SELECT * FROM config ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, namespace, name`)
        .all(...args) as ConfigRow[];
    },
    get: (id: string): ConfigRow | undefined => db.prepare('SELECT * FROM config WHERE id = ?').get(id) as ConfigRow | undefined,
    byName: (namespace: string, name: string): ConfigRow | undefined =>
      db.prepare('SELECT * FROM config WHERE namespace = ? AND name = ?').get(namespace, name) as ConfigRow | undefined,
    insert(c: { namespace: string; name: string; data: string; labels: string }): ConfigRow {
      const row: ConfigRow = { id: randomUUID(), created_at: nowIso(), updated_at: '', ...c };
      db.prepare(`INSERT INTO config (id, created_at, updated_at, namespace, name, data, labels)
        VALUES (@id, @created_at, @updated_at, @namespace, @name, @data, @labels)`).run(row);
      return row;
    },
    replace(id: string, c: { name: string; data: string; labels: string }): ConfigRow | undefined {
      db.prepare('UPDATE config SET name = ?, data = ?, labels = ?, updated_at = ? WHERE id = ?').run(c.name, c.data, c.labels, nowIso(), id);
      return db.prepare('SELECT * FROM config WHERE id = ?').get(id) as ConfigRow | undefined;
    },
    remove: (id: string): boolean => db.prepare('DELETE FROM config WHERE id = ?').run(id).changes > 0,
    countIn: (namespace: string): number =>
      (db.prepare('SELECT COUNT(*) AS n FROM config WHERE namespace = ?').get(namespace) as { n: number }).n,
  };
}
