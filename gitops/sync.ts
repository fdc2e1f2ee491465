// One sync pass: list what this repository deployed, apply what changed, prune what was removed.
import { applyManifest, type ApplyIo, type ApplyTarget } from '../src/client/apply-manifest.js';
import { EXIT, exitCodeForStatus, formatHttpFailure, listError } from '../src/client/errors.js';
import { failureOf, send } from '../src/client/session.js';
import type { DesiredState } from './desired.js';
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
  io: ApplyIo;
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
}

/** Deployments this repository labelled (the caller's token decides which namespaces are visible). */
export async function listOwned(target: ApplyTarget, repo: string): Promise<LiveDeployment[]> {
  const r = await send(target, target.client.GET('/deployments', { params: { query: { label: [`${LABEL_REPO}=${repo}`] } } }));
  if (!r.response.ok || !r.data) throw listError('deployments', failureOf(r), target.baseUrl);
  return r.data.map((d) => ({ id: d.id, namespace: d.namespace, name: d.name, status: d.status, labels: d.labels ?? {} }));
}

function prefixed(io: ApplyIo, prefix: string): ApplyIo {
  return { out: (l = '') => io.out(`${prefix}${l}`), err: (l = '') => io.err(`${prefix}${l}`) };
}

export async function syncOnce(target: ApplyTarget, desired: DesiredState, opts: SyncOptions): Promise<SyncReport> {
  const { io } = opts;
  const report: SyncReport = { applied: 0, unchanged: 0, pruned: 0, failed: 0, failedHashes: [] };
  const fail = (code: number) => {
    report.failed++;
    report.firstFailure ??= code;
  };
  const live = await listOwned(target, opts.repo);
  const plan = planSync(desired, live, {
    repo: opts.repo, dir: opts.dir, prune: opts.prune, skipHashes: opts.skipHashes, onlyMissing: opts.onlyMissing,
  });
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
    if (!opts.quiet) io.out(`${d.source}: deployment '${d.name}' in namespace '${d.namespace}' is up to date`);
  }
  for (const d of plan.apply) {
    const r = await applyManifest(sink, { namespaces: [], configs: [], deployments: [d.deployment] }, {}, prefixed(io, `${d.source}: `));
    if (r.firstFailure !== undefined) {
      fail(r.firstFailure);
      report.failedHashes.push(d.hash);
    } else report.applied++;
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
