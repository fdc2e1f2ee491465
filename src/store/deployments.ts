import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nextSeq, nowIso } from './db.js';
import type { Deployment, DeploymentSpec } from '../domain/deployment.js';
import type { Status } from '../domain/status.js';
import { decodeStoredSpec } from '../domain/stored-spec.js';
import { LIMITS } from '../domain/limits.js';
import { eventsRepo } from './events.js';
import { dataVersionOf } from './data-version.js';

/** The event reason when a stored deployment cannot be loaded and is set aside. */
export const UNLOADABLE_REASON = 'invalid_stored_spec';

/** The columns that change after insert; `spec` never does (no UPDATE touches it), so it is read once. */
interface RawDeployment {
  id: string; created_at: string; updated_at: string; status: Status;
  replicas: number; restart_count: number; parent_id: string | null; image_digest: string | null; desired_replicas: number | null;
}

const ROW_COLUMNS = 'id, created_at, updated_at, status, replicas, restart_count, parent_id, image_digest, desired_replicas';

/** Freezes the cached spec all the way down: every reader shares it, so none may change it. */
function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

export interface DeploymentFilter {
  namespace?: string[]; status?: string[]; kind?: string[];
  /** Only rolling children (rows with a parent). */
  children?: boolean;
}

/** Writes to the deployment table through any repository on this connection (see version()). */
const writes = new WeakMap<Db, { n: number }>();

export function deploymentsRepo(db: Db) {
  const counter = writes.get(db) ?? { n: 0 };
  writes.set(db, counter);
  const dataVersion = dataVersionOf(db);
  let versionKey = '';
  let versionOf = { n: -1, data: -1 };
  const wrote = (): void => void counter.n++;
  const getStmt = db.prepare(`SELECT ${ROW_COLUMNS} FROM deployment WHERE id = ?`);
  const stateStmt = db.prepare('SELECT status, parent_id FROM deployment WHERE id = ?');
  const specStmt = db.prepare('SELECT spec, name, namespace, runtime, kind, image FROM deployment WHERE id = ?');
  const events = eventsRepo(db);
  /**
   * Decoded specs by deployment id. The spec column (and name, namespace, runtime, kind, image) is
   * written once at insert and ids are never reused, so an entry can only go stale by its row
   * being purged; list() and get() then parse and check each spec (decodeStoredSpec) once in the
   * row's lifetime instead of on every read (the reconciler lists every row each pass).
   */
  const specs = new Map<string, { spec: DeploymentSpec; problem: string | null }>();
  const specOf = (id: string): { spec: DeploymentSpec; problem: string | null } | undefined => {
    let entry = specs.get(id);
    if (!entry) {
      const row = specStmt.get(id) as { spec: string; name: string; namespace: string; runtime: string; kind: string; image: string } | undefined;
      if (row === undefined) return undefined;
      const decoded = decodeStoredSpec(row.spec, row);
      entry = { spec: deepFreeze(decoded.spec), problem: decoded.problem };
      specs.set(id, entry);
    }
    return entry;
  };
  /** Never throws: a row the server cannot handle decodes to an inert spec carrying `unloadable`. */
  const decode = (r: RawDeployment): Deployment | undefined => {
    const entry = specOf(r.id);
    if (!entry) return undefined; // purged between the two reads
    const { spec, problem } = entry;
    const replicas = problem === null && Number.isSafeInteger(r.replicas) && r.replicas >= 0 && r.replicas <= LIMITS.deployment.replicas ? r.replicas : 0;
    return {
      ...spec, id: r.id, created_at: r.created_at, updated_at: r.updated_at, status: r.status,
      restart_count: r.restart_count, parent_id: r.parent_id, image_digest: r.image_digest,
      replicas,
      ...(spec.autoscale && Number.isSafeInteger(r.desired_replicas) ? { desired_replicas: r.desired_replicas as number } : {}),
      ...(problem !== null ? { unloadable: problem }
        : replicas !== r.replicas ? { unloadable: `the stored replica count ${String(r.replicas)} is outside 0–${LIMITS.deployment.replicas}` } : {}),
    };
  };
  const decodeAll = (rows: RawDeployment[]): Deployment[] => {
    const out: Deployment[] = [];
    for (const r of rows) {
      const d = decode(r);
      if (d) out.push(d);
    }
    return out;
  };
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
          wrote();
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
    /**
     * Only the row's status and parent: what the health prober needs per probe result (300 a
     * second at 300 instances × 1 s checks), without building a whole Deployment.
     */
    stateOf(id: string): { status: Status; parent_id: string | null } | undefined {
      return stateStmt.get(id) as { status: Status; parent_id: string | null } | undefined;
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
      const sql = `SELECT ${ROW_COLUMNS} FROM deployment ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
      // db.prepare() reuses compiled statements (db.ts), so building the SQL per call costs a lookup.
      return decodeAll(db.prepare(sql).all(...args) as RawDeployment[]);
    },
    /** Active (not deleted) deployments with this namespace and name. */
    active(namespace: string, name: string): Deployment[] {
      return decodeAll(db.prepare(`SELECT ${ROW_COLUMNS} FROM deployment WHERE namespace = ? AND name = ? AND status <> 'deleted' ORDER BY seq`)
        .all(namespace, name) as RawDeployment[]);
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
      wrote();
      return this.get(id)!;
    },
    /**
     * Changes whenever a deployment row may have changed: at once after a write through any
     * repository on this connection; after a commit by another connection (a second process on
     * this ring.db) once SQLite's data_version is read again, which is at most `maxAgeMs` after the
     * last read (0: read now). Equal versions mean every read since returned the same rows, so a
     * reader may reuse what it derived from them. No SQLite call while data_version is recent.
     */
    version(maxAgeMs = 0): string {
      const data = dataVersion.recent(maxAgeMs);
      if (versionOf.n !== counter.n || versionOf.data !== data) {
        versionOf = { n: counter.n, data };
        versionKey = `${counter.n}:${data}`;
      }
      return versionKey;
    },
    setStatus: (id: string, status: Status): void => {
      db.prepare('UPDATE deployment SET status = ?, updated_at = ? WHERE id = ?').run(status, nowIso(), id);
      wrote();
    },
    setRestartCount: (id: string, n: number): void => {
      db.prepare('UPDATE deployment SET restart_count = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id);
      wrote();
    },
    setImageDigest: (id: string, digest: string | null): void => {
      db.prepare('UPDATE deployment SET image_digest = ? WHERE id = ?').run(digest, id);
      wrote();
    },
    /** A rolling child becomes the active deployment by losing its parent (RING §5.8). */
    setParent: (id: string, parentId: string | null): void => {
      db.prepare('UPDATE deployment SET parent_id = ?, updated_at = ? WHERE id = ?').run(parentId, nowIso(), id);
      wrote();
    },
    /** The autoscaler's decision; the reconciler then converges on it instead of replicas. */
    setDesiredReplicas: (id: string, n: number): void => {
      db.prepare('UPDATE deployment SET desired_replicas = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id);
      wrote();
    },
    setReplicas: (id: string, n: number): void => {
      db.prepare('UPDATE deployment SET replicas = ?, updated_at = ? WHERE id = ?').run(n, nowIso(), id);
      wrote();
    },
    /**
     * Removes the row with its events and probe history. A child still pointing at it (its rolling
     * update ended another way) becomes a deployment of its own, so a later apply finds it.
     */
    purge(id: string): void {
      db.prepare("UPDATE deployment SET parent_id = NULL WHERE parent_id = ? AND status <> 'deleted'").run(id);
      db.prepare('DELETE FROM deployment_event WHERE deployment_id = ?').run(id);
      db.prepare('DELETE FROM health_check WHERE deployment_id = ?').run(id);
      db.prepare('DELETE FROM deployment WHERE id = ?').run(id);
      specs.delete(id);
      wrote();
    },
  };
}
