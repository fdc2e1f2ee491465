// GET /deployments, served from a per-query cache while nothing it shows has changed. Pollers
// (CLI watch, TUI, dashboards) ask for the same list again and again; with 1000 deployments a
// fresh answer is a full table read plus ~650 KB of JSON, all on the event loop. An answer is
// reused only when the deployment rows are provably unchanged (the store's version()) and every
// row's running instances — the only other input of a view — are the same ids and addresses.
// A write by this server is seen at once; a commit by another process on the same ring.db within
// VERSION_MAX_AGE_MS (SQLite's data_version is re-read at most that long after its last read;
// the token check of the same request usually has just read it), so a hit costs no SQLite call.
import type { Deployment } from '../domain/deployment.js';
import type { Instance } from '../runtime/runtime.js';
import type { DeploymentFilter } from '../store/deployments.js';
import type { Store } from '../store/index.js';
import { deploymentListJson, type ViewOptions } from './deployment-view.js';

interface Entry {
  version: string;
  rows: Deployment[];
  instances: (readonly Instance[])[];
  live: string[];
  body: Buffer;
}

const MAX_KEYS = 32;
export const VERSION_MAX_AGE_MS = 100;
const caches = new WeakMap<Store, Map<string, Entry>>();

export type InstanceLookup = (id: string) => readonly Instance[];

/** What a view shows of a deployment's instances: the running ones' ids and addresses. */
function liveOf(instances: readonly Instance[]): string {
  let s = '';
  for (const i of instances) if (i.state === 'running') s += `${i.id}@${i.address ?? ''};`;
  return s;
}

export interface ListRequest {
  store: Store;
  filter: DeploymentFilter;
  /** Rows the caller may see and asked for (namespace visibility, label selectors). */
  keep: (d: Deployment) => boolean;
  /** Part of the cache key for everything keep() depends on. */
  keepKey: string;
  instancesOf: (id: string) => Promise<Instance[]>;
  /**
   * Preferred when given: one freshness check for all rows (a promise per row was ~75 µs a request
   * at 100 rows). The lookup itself when the view is already fresh (no await), else a promise of it.
   */
  instancesLookup?: () => InstanceLookup | Promise<InstanceLookup>;
  view?: ViewOptions;
}

/** The JSON body of GET /deployments as bytes. */
export async function listDeploymentsBody(req: ListRequest): Promise<Buffer> {
  let cache = caches.get(req.store);
  if (!cache) caches.set(req.store, (cache = new Map()));
  const key = JSON.stringify([req.filter.namespace ?? null, req.filter.status ?? null, req.filter.kind ?? null, req.filter.children ?? false, req.keepKey, req.view?.rolloutDeadlineMs ?? null]);
  const version = req.store.deployments.version(VERSION_MAX_AGE_MS);
  const hit = cache.get(key);
  const rows = hit && hit.version === version ? hit.rows : req.store.deployments.list(req.filter).filter(req.keep);
  let instances: (readonly Instance[])[] | undefined;
  let lookup: InstanceLookup | undefined;
  if (req.instancesLookup) {
    const l = req.instancesLookup();
    lookup = typeof l === 'function' ? l : await l;
  } else {
    instances = await Promise.all(rows.map((d) => req.instancesOf(d.id)));
  }
  // The rows may have changed while we waited for the instances: only reuse what is still current.
  const current = req.store.deployments.version(VERSION_MAX_AGE_MS) === version;
  if (hit && current && hit.version === version) {
    // Compared row by row without a new array a request: an equal list in a fresh array (the
    // instance cache re-primed) is adopted in place, so the next request compares by identity.
    let same = true;
    for (let i = 0; i < rows.length && same; i++) {
      const now = lookup ? lookup(rows[i]!.id) : instances![i]!;
      if (hit.instances[i] === now) continue;
      same = hit.live[i] === liveOf(now);
      if (same) hit.instances[i] = now;
    }
    if (same) return hit.body;
  }
  if (lookup) instances = rows.map((d) => lookup(d.id));
  const byId = new Map(rows.map((d, i) => [d.id, instances![i]!]));
  const body = Buffer.from(deploymentListJson(rows, (id) => byId.get(id) ?? [], req.view));
  if (current) {
    if (!cache.has(key) && cache.size >= MAX_KEYS) cache.delete(cache.keys().next().value!);
    cache.set(key, { version, rows, instances: instances!, live: instances!.map(liveOf), body });
  }
  return body;
}
