// The volumes table: a registry of named volumes (the data itself lives in the runtime).
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';

export interface VolumeRow {
  id: string; created_at: string; updated_at: string; namespace: string; name: string;
  size: string | null; backend_type: string; host_path: string | null; labels: Record<string, string>;
}

type RawVolume = Omit<VolumeRow, 'labels'> & { labels: string };

function decode(r: RawVolume): VolumeRow {
  let labels: Record<string, string> = {};
  try {
    labels = JSON.parse(r.labels) as Record<string, string>;
  } catch { /* written by this module only; an unreadable value shows as no labels */ }
  return { ...r, labels };
}

export interface NewVolume {
  namespace: string; name: string; size?: string | null; backend_type: string; host_path?: string | null; labels?: Record<string, string>;
}

export function volumesRepo(db: Db) {
  const insertStmt = (orIgnore: boolean) => db.prepare(`INSERT ${orIgnore ? 'OR IGNORE ' : ''}INTO volumes
    (id, created_at, updated_at, namespace, name, size, backend_type, host_path, labels)
    VALUES (?, ?, '', ?, ?, ?, ?, ?, ?)`);
  const byName = (namespace: string, name: string): VolumeRow | undefined => {
    const r = db.prepare('SELECT * FROM volumes WHERE namespace = ? AND name = ?').get(namespace, name) as RawVolume | undefined;
    return r && decode(r);
  };
  const write = (v: NewVolume, orIgnore: boolean): boolean => insertStmt(orIgnore).run(
    randomUUID(), nowIso(), v.namespace, v.name, v.size ?? null, v.backend_type, v.host_path ?? null, JSON.stringify(v.labels ?? {}),
  ).changes > 0;
  return {
    list: (namespace?: string): VolumeRow[] => ((namespace === undefined
      ? db.prepare('SELECT * FROM volumes ORDER BY created_at, namespace, name').all()
      : db.prepare('SELECT * FROM volumes WHERE namespace = ? ORDER BY created_at, name').all(namespace)) as RawVolume[]).map(decode),
    get(id: string): VolumeRow | undefined {
      const r = db.prepare('SELECT * FROM volumes WHERE id = ?').get(id) as RawVolume | undefined;
      return r && decode(r);
    },
    byName,
    insert(v: NewVolume): VolumeRow {
      write(v, false);
      return byName(v.namespace, v.name)!;
    },
    /** Registers a volume unless one of that name exists; returns whether it was created. */
    ensure: (v: NewVolume): boolean => write(v, true),
    remove: (id: string): boolean => db.prepare('DELETE FROM volumes WHERE id = ?').run(id).changes > 0,
    /** Forgets every volume of a namespace that is being deleted (the runtime's data is left alone). */
    removeNamespace: (namespace: string): number => db.prepare('DELETE FROM volumes WHERE namespace = ?').run(namespace).changes,
  };
}
