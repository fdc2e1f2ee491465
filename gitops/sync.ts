// One sync pass: list what this repository deployed, apply what changed, prune what was removed.
import { applyManifest, type ApplyIo, type ApplyTarget } from '../src/client/apply-manifest.js';
import { EXIT, exitCodeForStatus, formatHttpFailure, listError } from '../src/client/errors.js';
import { failureOf, send } from '../src/client/session.js';
import type { DesiredDeployment, DesiredState } from './desired.js';
import { LABEL_REPO, LABEL_SOURCE } from './labels.js';
import { planSync, type LiveDeployment } from './plan.js';

export interface SyncOptions {
  /** Identity of the repository (GitSource.id). */
  repo: string;
  /** Normalized watched directory. */
  dir: string;
  prune: boolean;
  /** Print the plan; send nothing. */
  dryRun?: boolean;
  /** Also (re)apply the namespaces and configs of every manifest, not only changed deployments. */
  full: boolean;
  /** Do not print deployments left unchanged. */
  quiet?: boolean;
  skipHashes?: ReadonlySet<string>;
  /** See PlanOptions.onlyMissing. */
  onlyMissing?: boolean;
  /** `namespace/name` of deployments to apply even when the plan would leave them (self-heal of drift). */
  alsoApply?: ReadonlySet<string>;
  /**
   * The live deployments to plan from, when the caller has just listed them (the watcher's drift
   * pass): what is re-applied is then decided from the same view the drift report was made from,
   * so a change landing between two listings is never healed unreported. Listed here otherwise.
   */
  live?: readonly LiveDeployment[];
  io: ApplyIo;
}

/** What happened to one desired deployment in a pass. */
export interface DeploymentResult {
  desired: DesiredDeployment;
  state: 'applied' | 'unchanged' | 'failed';
  /** The deployment created by the apply. */
  id?: string;
  /** The server's reasons, when the apply failed. */
  error?: string;
}

export interface SyncReport {
  applied: number;
  unchanged: number;
  pruned: number;
  failed: number;
  /** Exit code of the first failure. */
  firstFailure?: number;
  /** Hashes of the deployments that failed to apply (not retried until the manifest changes). */
  failedHashes: string[];
  deployments: DeploymentResult[];
  pruned_: { namespace: string; name: string; source: string; id: string }[];
  /** Every error line of the pass (manifest problems, refused requests). */
  errors: string[];
}

/** Deployments this repository labelled (the caller's token decides which namespaces are visible). */
export async function listOwned(target: ApplyTarget, repo: string): Promise<LiveDeployment[]> {
  const r = await send(target, target.client.GET('/deployments', { params: { query: { label: [`${LABEL_REPO}=${repo}`] } } }));
  if (!r.response.ok || !r.data) throw listError('deployments', failureOf(r), target.baseUrl);
  return r.data.map(liveDeployment);
}

/** The part of a listed deployment a sync plans from. */
export function liveDeployment(d: { id: string; namespace: string; name: string; status: string; labels?: Record<string, string> }): LiveDeployment {
  return { id: d.id, namespace: d.namespace, name: d.name, status: d.status, labels: d.labels ?? {} };
}

function prefixed(io: ApplyIo, prefix: string): ApplyIo {
  return { out: (l = '') => io.out(`${prefix}${l}`), err: (l = '') => io.err(`${prefix}${l}`) };
}

/** Passes lines on, keeping the error lines (for the status file and notifications). */
function recording(io: ApplyIo, errors: string[]): ApplyIo {
  return { out: (l = '') => io.out(l), err: (l = '') => { errors.push(l); io.err(l); } };
}

export async function syncOnce(target: ApplyTarget, desired: DesiredState, opts: SyncOptions): Promise<SyncReport> {
  const report: SyncReport = { applied: 0, unchanged: 0, pruned: 0, failed: 0, failedHashes: [], deployments: [], pruned_: [], errors: [] };
  const io = recording(opts.io, report.errors);
  const fail = (code: number) => {
    report.failed++;
    report.firstFailure ??= code;
  };
  const live = opts.live ?? await listOwned(target, opts.repo);
  const plan = planSync(desired, live, {
    repo: opts.repo, dir: opts.dir, prune: opts.prune, skipHashes: opts.skipHashes, onlyMissing: opts.onlyMissing,
  });
  if (opts.alsoApply?.size) {
    const extra = plan.unchanged.filter((d) => opts.alsoApply!.has(`${d.namespace}/${d.name}`));
    plan.unchanged = plan.unchanged.filter((d) => !extra.includes(d));
    plan.apply.push(...extra);
  }
  const sink = opts.dryRun ? undefined : target;

  if (opts.full) {
    for (const f of desired.files) {
      if (f.namespaces.length === 0 && f.configs.length === 0) continue;
      const r = await applyManifest(sink, { namespaces: f.namespaces, configs: f.configs, deployments: [] }, {}, prefixed(io, `${f.path}: `));
      if (r.firstFailure !== undefined) fail(r.firstFailure);
    }
  }

  for (const d of plan.unchanged) {
    report.unchanged++;
    report.deployments.push({ desired: d, state: 'unchanged' });
    if (!opts.quiet) io.out(`${d.source}: deployment '${d.name}' in namespace '${d.namespace}' is up to date`);
  }
  for (const d of plan.apply) {
    const before = report.errors.length;
    const r = await applyManifest(sink, { namespaces: [], configs: [], deployments: [d.deployment] }, {}, prefixed(io, `${d.source}: `));
    if (r.firstFailure !== undefined) {
      fail(r.firstFailure);
      report.failedHashes.push(d.hash);
      report.deployments.push({ desired: d, state: 'failed', error: report.errors.slice(before).join(' ').replace(/\s+/g, ' ').trim() });
    } else {
      report.applied++;
      const id = r.deployments[0]?.id;
      report.deployments.push({ desired: d, state: 'applied', ...(id ? { id } : {}) });
    }
  }

  for (const d of plan.prune) {
    const what = `deployment '${d.name}' in namespace '${d.namespace}' (id ${d.id}, source ${d.labels[LABEL_SOURCE]})`;
    if (opts.dryRun) {
      io.out(`Would prune ${what} (dry run)`);
      report.pruned++;
      continue;
    }
    const r = await send(target, target.client.DELETE('/deployments/{id}', { params: { path: { id: d.id } } }));
    if (r.response.ok || r.response.status === 404) {
      io.out(`Pruned ${what}`);
      report.pruned++;
      report.pruned_.push({ namespace: d.namespace, name: d.name, source: d.labels[LABEL_SOURCE] ?? '', id: d.id });
    } else {
      const f = failureOf(r);
      io.err(formatHttpFailure(`Unable to prune ${what}`, f));
      fail(exitCodeForStatus(f.status));
    }
  }

  if (desired.errors.length > 0) {
    for (const e of desired.errors) io.err(`Error: ${e}`);
    report.failed += desired.errors.length;
    report.firstFailure ??= EXIT.GENERAL;
  }
  return report;
}
