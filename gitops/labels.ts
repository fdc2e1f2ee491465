// The labels gitops writes on every deployment it applies, and the content hash that lets a sync
// skip a deployment whose manifest did not change (the server keeps labels verbatim).
import { createHash } from 'node:crypto';
import type { DeploymentSpec } from '../src/domain/deployment.js';

/** Repo-relative path of the manifest that declares the deployment. */
export const LABEL_SOURCE = 'ring.gitops/source';
/** The repository (see GitSource.id): prune only ever considers deployments of its own repo. */
export const LABEL_REPO = 'ring.gitops/repo';
/** specHash of the body as applied. */
export const LABEL_HASH = 'ring.gitops/hash';
/** Commit the deployment was last applied from (for people; not part of the hash). */
export const LABEL_REVISION = 'ring.gitops/revision';

function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canonical((x as Record<string, unknown>)[k])]));
  }
  return x;
}

/**
 * A short hash of everything the server is asked to run, source and repo labels included (a
 * moved manifest must relabel its deployment). Key order does not matter; the hash and revision
 * labels are left out because they are derived from it.
 */
export function specHash(spec: DeploymentSpec): string {
  const labels = { ...spec.labels };
  delete labels[LABEL_HASH];
  delete labels[LABEL_REVISION];
  const text = JSON.stringify(canonical({ ...spec, labels }));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The spec with the gitops labels set (user labels of the same keys are overwritten). */
export function labelled(spec: DeploymentSpec, source: { repo: string; path: string; revision: string }): DeploymentSpec {
  const withSource: DeploymentSpec = { ...spec, labels: { ...spec.labels, [LABEL_SOURCE]: source.path, [LABEL_REPO]: source.repo } };
  const hash = specHash(withSource);
  return { ...withSource, labels: { ...withSource.labels, [LABEL_HASH]: hash, [LABEL_REVISION]: source.revision.slice(0, 12) } };
}
