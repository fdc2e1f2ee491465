// What a client was told, and what ring.db must therefore hold after any crash. Each name has one
// writer at a time, so its state is exact except for the one write in flight when the server
// died: that one may have landed or not, and whichever happened becomes the new truth.
import Database from 'better-sqlite3';

export type Pending =
  | { kind: 'apply'; tag: string; replicas: number }
  | { kind: 'delete'; id: string };

export interface NameState {
  active: { id: string; replicas: number } | null;
  /** The write sent and not answered (the server died under it). */
  pending: Pending | null;
}

export interface Row { id: string; name: string; status: string; replicas: number; restart_count: number; parent_id: string | null; tag: string | null }

export class CrashModel {
  readonly names = new Map<string, NameState>();
  /** Ids an acknowledged delete or replacing apply ended: must never be active again. */
  readonly ended = new Set<string>();
  acknowledged = 0;
  lost: string[] = [];

  constructor(names: string[]) {
    for (const n of names) this.names.set(n, { active: null, pending: null });
  }

  ackApply(name: string, id: string, replicas: number): void {
    const s = this.names.get(name)!;
    if (s.active) this.ended.add(s.active.id);
    s.active = { id, replicas };
    s.pending = null;
    this.acknowledged++;
  }

  ackDelete(name: string, id: string): void {
    const s = this.names.get(name)!;
    this.ended.add(id);
    if (s.active?.id === id) s.active = null;
    s.pending = null;
    this.acknowledged++;
  }

  /**
   * Checks ring.db (the server is dead) against what was acknowledged; adopts the outcome of each
   * write in flight. Returns every violation (an empty list is a pass); lost writes are also counted.
   */
  verify(dbPath: string, namespace: string): string[] {
    const problems: string[] = [];
    const db = new Database(dbPath, { fileMustExist: true });
    let rows: Row[];
    try {
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') problems.push(`PRAGMA integrity_check: ${String(integrity)}`);
      rows = (db.prepare('SELECT id, name, status, replicas, restart_count, parent_id, spec FROM deployment WHERE namespace = ?').all(namespace) as (Row & { spec: string })[])
        .map((r) => ({ ...r, tag: tagOf(r.spec) }));
      const dup = db.prepare(`SELECT namespace, name, count(*) AS n FROM deployment WHERE status <> 'deleted' AND parent_id IS NULL
        GROUP BY namespace, name HAVING n > 1`).all() as { namespace: string; name: string; n: number }[];
      for (const d of dup) problems.push(`${d.n} active deployments named ${d.namespace}/${d.name}`);
    } finally {
      db.close();
    }

    for (const [name, s] of this.names) {
      const active = rows.filter((r) => r.name === name && r.status !== 'deleted');
      const describe = () => active.map((r) => `${r.id}(${r.status}, ${r.replicas})`).join(', ') || 'none';
      const isBefore = s.active ? active.length === 1 && active[0].id === s.active.id && active[0].replicas === s.active.replicas : active.length === 0;
      const p = s.pending;
      if (!p) {
        if (!isBefore) this.lose(problems, `${name}: acknowledged ${s.active ? `active ${s.active.id} × ${s.active.replicas}` : 'deleted'}, ring.db has ${describe()}`);
        continue;
      }
      s.pending = null;
      if (isBefore) continue; // the write in flight did not land
      if (p.kind === 'apply') {
        const landed = active.length === 1 && active[0].tag === p.tag && active[0].replicas === p.replicas;
        if (!landed) { this.lose(problems, `${name}: expected ${s.active?.id ?? 'nothing'} or the unanswered apply ${p.tag}, ring.db has ${describe()}`); continue; }
        if (s.active) this.ended.add(s.active.id);
        s.active = { id: active[0].id, replicas: p.replicas };
      } else {
        if (active.length !== 0) { this.lose(problems, `${name}: expected ${p.id} or nothing after the unanswered delete, ring.db has ${describe()}`); continue; }
        this.ended.add(p.id);
        s.active = null;
      }
    }
    for (const id of this.ended) {
      const r = rows.find((x) => x.id === id);
      if (r && r.status !== 'deleted') this.lose(problems, `${id} was acknowledged as deleted/replaced but is ${r.status} again`);
    }
    return problems;
  }

  activeIds(): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.names.values()) if (s.active) m.set(s.active.id, s.active.replicas);
    return m;
  }

  private lose(problems: string[], what: string): void {
    this.lost.push(what);
    problems.push(`lost: ${what}`);
  }
}

function tagOf(spec: string): string | null {
  try {
    const labels = (JSON.parse(spec) as { labels?: Record<string, string> }).labels;
    return labels?.['rel.op'] ?? null;
  } catch {
    return null;
  }
}
