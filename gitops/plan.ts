// What one sync pass does, decided from the desired state and what the server reports. Pure.
import type { DesiredDeployment, DesiredState } from './desired.js';
import { underDir } from './desired.js';
import { LABEL_HASH, LABEL_REPO, LABEL_SOURCE } from './labels.js';

/** The fields of a listed deployment the plan looks at. */
export interface LiveDeployment {
  id: string;
  namespace: string;
  name: string;
  status: string;
  labels: Record<string, string>;
}

export interface SyncPlan {
  /** New, changed, or missing on the server. */
  apply: DesiredDeployment[];
  /** A deployment of this repo with the same hash is active: left alone. */
  unchanged: DesiredDeployment[];
  /** Deployments of this repo and directory whose manifest is gone (only with prune). */
  prune: LiveDeployment[];
}

export interface PlanOptions {
  repo: string;
  /** Normalized watched directory ('' = whole repository). */
  dir: string;
  prune: boolean;
  /** Hashes not to try again (they failed at this revision already). */
  skipHashes?: ReadonlySet<string>;
  /**
   * Between commits: apply only workers of which nothing of ours is active any more (deleted on
   * the server). A different hash there is a rollout that failed, or a job that ran: left for the
   * next commit rather than retried every interval.
   */
  onlyMissing?: boolean;
}

const key = (ns: string, name: string) => `${ns}\u0000${name}`;

export function planSync(desired: DesiredState, live: readonly LiveDeployment[], opts: PlanOptions): SyncPlan {
  // Only deployments this repository applied count; one made by hand (no label) is never touched
  // here, although applying a manifest of the same name replaces it like `ring apply` would.
  const ours = live.filter((d) => d.status !== 'deleted' && d.labels?.[LABEL_REPO] === opts.repo);
  const hashesByName = new Map<string, Set<string>>();
  for (const d of ours) {
    const k = key(d.namespace, d.name);
    const set = hashesByName.get(k) ?? new Set<string>();
    if (d.labels[LABEL_HASH]) set.add(d.labels[LABEL_HASH]);
    hashesByName.set(k, set);
  }

  const plan: SyncPlan = { apply: [], unchanged: [], prune: [] };
  for (const d of desired.deployments) {
    const hashes = hashesByName.get(key(d.namespace, d.name));
    // During a rolling update the old and the new deployment are both active: either hash will do.
    if (hashes?.has(d.hash)) plan.unchanged.push(d);
    else if (opts.onlyMissing && (hashes !== undefined || d.deployment.spec.kind === 'job')) plan.unchanged.push(d);
    else if (!opts.skipHashes?.has(d.hash)) plan.apply.push(d);
  }

  if (opts.prune) {
    const wanted = new Set(desired.deployments.map((d) => key(d.namespace, d.name)));
    for (const d of ours) {
      const source = d.labels[LABEL_SOURCE];
      if (source === undefined || !underDir(source, opts.dir)) continue;
      if (desired.broken.has(source)) continue;
      if (!wanted.has(key(d.namespace, d.name))) plan.prune.push(d);
    }
  }
  return plan;
}
