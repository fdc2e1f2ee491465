import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';
import type { Deployment, DeploymentSpec } from '../domain/deployment.js';
import type { Status } from '../domain/status.js';
import { decodeStoredSpec } from '../domain/stored-spec.js';
import { LIMITS } from '../domain/limits.js';
import { eventsRepo } from './events.js';

/** The event reason when a stored deployment cannot be loaded and is set aside. */
export const UNLOADABLE_REASON = 'invalid_stored_spec';

interface RawDeployment {
  id: string; created_at: string; updated_at: string; status: Status; namespace: string; name: string;
  runtime: string; kind: string; image: string; replicas: number; restart_count: number; spec: string;
  parent_id: string | null; image_digest: string | null; seq: number; desired_replicas: number | null;
}

/** Never throws: a row the server cannot handle decodes to an inert spec carrying `unloadable`. */
function decode(r: RawDeployment): Deployment {
  const { spec, problem } = decodeStoredSpec(r.spec, r);
  const replicas = problem === null && Number.isSafeInteger(r.replicas) && r.replicas >= 0 && r.replicas <= LIMITS.deployment.replicas ? r.replicas : 0;
  return {
    ...spec, id: r.id, created_at: r.created_at, updated_at: r.updated_at, status: r.status,
    restart_count: r.restart_count, parent_id: r.parent_id, image_digest: r.image_digest,
    replicas,
    ...(spec.autoscale && Number.isSafeInteger(r.desired_replicas) ? { desired_replicas: r.desired_replicas as number } : {}),
    ...(problem !== null ? { unloadable: problem }
      : replicas !== r.replicas ? { unloadable: `the stored replica count ${String(r.replicas)} is outside 0–${LIMITS.deployment.replicas}` } : {}),
  };
}

export interface DeploymentFilter {
  namespace?: string[]; status?: string[]; kind?: string[];
  /** Only rolling children (rows with a parent). */
  children?: boolean;
}

export function deploymentsRepo(db: Db) {
  const getStmt = db.prepare('SELECT * FROM deployment WHERE id = ?');
  const events = eventsRepo(db);
  return {
    /**
     * The deployments the reconciler may act on. Any it cannot (see stored-spec.ts) is marked
     * `error` once, with an event saying why, and left out: the server stays up and the API shows it.
     */
    reconcilable(list: Deployment[]): Deployment[] {
      const bad = list.filter((d) => d.unloadable !== undefined);
      for (const d of bad) {
        if (d.status === 'error' || d.status === 'deleted') continue;
        db.transaction(() => {
          db.prepare('UPDATE deployment SET status = ?, updated_at = ? WHERE id = ?').run('error', nowIso(), d.id);
          events.insert(d.id, { level: 'error', component: 'store', reason: UNLOADABLE_REASON,
            message: `Status changed from ${d.status} to error: the stored deployment cannot be loaded (${d.unloadable}); delete it and apply it again` });
        })();
        d.status = 'error';
      }
      return bad.length ? list.filter((d) => d.unloadable === undefined || d.status === 'deleted') : list;
    },
    /** Marks every stored deployment the server cannot load (run at start, before the reconciler's first pass). */
    quarantineUnloadable(): number {
      const before = this.list().filter((d) => d.unloadable !== undefined && d.status !== 'error' && d.status !== 'deleted').length;
      this.reconcilable(this.list());
      return before;
    },
    get(id: string): Deployment | undefined {
      const r = getStmt.get(id) as RawDeployment | undefined;
      return r && decode(r);
    },
    /** Oldest first: clients that take "the first match" get the original deployment. */
    list(f: DeploymentFilter = {}): Deployment[] {
      const where: string[] = [];
      const args: string[] = [];
      for (const [col, values] of [['namespace', f.namespace], ['status', f.status], ['kind', f.kind]] as const) {
        if (values && values.length) {
          where.push(`${col} IN (${values.map(() => '?').join(',')})`);
          args.push(...values);
        }
      }
      if (f.children) where.push('parent_id IS NOT NULL');
      const sql = `SELECT * FROM deployment ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
      return (db.prepare(sql).all(...args) as RawDeployment[]).map(decode);
    },
    /** Active (not deleted) deployments with this namespace and name. */
    active(namespace: string, name: string): Deployment[] {
      return (db.prepare("SELECT * FROM deployment WHERE namespace = ? AND name = ? AND status <> 'deleted' ORDER BY seq")
        .all(namespace, name) as RawDeployment[]).map(decode);
    },
    insert(spec: DeploymentSpec, opts: { status: Status; parentId?: string | null }): Deployment {
      const id = randomUUID();
      db.prepare(`INSERT INTO deployment (id, created_at, updated_at, status, namespace, name, runtime, kind, image,
        replicas, restart_count, spec, parent_id, image_digest, seq)
        VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, ?)`).run(
        id, nowIso(), opts.status, spec.namespace, spec.name, spec.runtime, spec.kind, spec.image, spec.replicas,
        JSON.stringify(spec), opts.parentId ?? null, nextSeq());
      // A rolling child inherits the autoscaler's target (RING §5.8): the new version starts at the load's size.
      if (opts.parentId && spec.autoscale) {
        db.prepare('UPDATE deployment SET desired_replicas = (SELECT desired_replicas FROM deployment WHERE id = ?) WHERE id = ?').run(opts.parentId, id);
      }
      return this.get(id)!;
    },
    setStatus: (id: string, status: Status): void =>
      void db.prepare('UPDATE deployment SET status = ?, updated_at = ? WHERE id = ?').run(status, nowIso(), id),
    setRestartCount: (id: string, n: number): void =>
      void db.prepare('UPDATE deployment SET restart_count = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id),
    setImageDigest: (id: string, digest: string | null): void =>
      void db.prepare('UPDATE deployment SET image_digest = ? WHERE id = ?').run(digest, id),
    /** A rolling child becomes the active deployment by losing its parent (RING §5.8). */
    setParent: (id: string, parentId: string | null): void =>
      void db.prepare('UPDATE deployment SET parent_id = ?, updated_at = ? WHERE id = ?').run(parentId, nowIso(), id),
    /** The autoscaler's decision; the reconciler then converges on it instead of replicas. */
    setDesiredReplicas: (id: string, n: number): void =>
      void db.prepare('UPDATE deployment SET desired_replicas = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id),
    setReplicas: (id: string, n: number): void =>
      void db.prepare('UPDATE deployment SET replicas = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id),
    /**
     * Removes the row with its events and probe history. A child still pointing at it (its rolling
     * update ended another way) becomes a deployment of its own, so a later apply finds it.
     */
    purge(id: string): void {
      db.prepare("UPDATE deployment SET parent_id = NULL WHERE parent_id = ? AND status <> 'deleted'").run(id);
      db.prepare('DELETE FROM deployment_event WHERE deployment_id = ?').run(id);
      db.prepare('DELETE FROM health_check WHERE deployment_id = ?').run(id);
      db.prepare('DELETE FROM deployment WHERE id = ?').run(id);
    },
  };
}
