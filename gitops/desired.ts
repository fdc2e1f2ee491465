// The desired state at one commit: every manifest under the watched directory, parsed with the
// same parser as `ring apply`, each deployment labelled with where it came from and its hash.
import { posix } from 'node:path';
import { parseManifest, type ConfigDef, type ManifestDeployment } from '../src/domain/manifest.js';
import { labelled, LABEL_HASH } from './labels.js';
import type { GitSource } from './repo.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface DesiredDeployment {
  /** Repo-relative manifest path (the ring.gitops/source label). */
  source: string;
  namespace: string;
  name: string;
  hash: string;
  /** Ready for applyManifest; `error` set when the manifest entry cannot be sent. */
  deployment: ManifestDeployment;
}

export interface DesiredFile {
  path: string;
  namespaces: { name: string }[];
  configs: ConfigDef[];
}

export interface DesiredState {
  revision: string;
  files: DesiredFile[];
  deployments: DesiredDeployment[];
  /**
   * Manifests that could not be read or parsed completely. Their deployments are unknown, so
   * nothing labelled with one of these sources is pruned.
   */
  broken: Set<string>;
  /** One line per problem, prefixed with the manifest path. */
  errors: string[];
}

/** `./manifests/` → `manifests`; `.`, `/` and `` → `` (the repository root). */
export function normalizeDir(dir: string | undefined): string {
  const n = posix.normalize((dir ?? '').replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/^\/+|\/+$/g, '');
  return n === '.' ? '' : n;
}

/** Whether a ring.gitops/source value lies under `dir` (normalized). */
export function underDir(source: string, dir: string): boolean {
  return dir === '' || source.startsWith(`${dir}/`);
}

export function isManifestPath(file: string): boolean {
  return MANIFEST_EXTENSIONS.includes(posix.extname(file).toLowerCase());
}

// parseManifest resolves config `files:` against an absolute manifest directory; the repository
// is mapped under this virtual root so that a path can be turned back into a repo-relative one.
const VIRTUAL_ROOT = '/__ring_gitops_repo__';

export class PathMissingError extends Error {
  override name = 'PathMissingError';
}

export async function loadDesired(
  source: GitSource,
  revision: string,
  dir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<DesiredState> {
  const files = await source.list(revision, dir);
  if (files === undefined) {
    throw new PathMissingError(`'${dir}' is not a directory at ${revision.slice(0, 12)} of ${source.id}`);
  }
  const state: DesiredState = { revision, files: [], deployments: [], broken: new Set(), errors: [] };
  const seen = new Map<string, string>();
  for (const path of files.filter(isManifestPath).sort()) {
    let text: string;
    try {
      text = await source.read(revision, path);
    } catch (e) {
      state.broken.add(path);
      state.errors.push(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const parsed = parseManifest(text, {
      manifestDir: posix.join(VIRTUAL_ROOT, posix.dirname(path)),
      readFile: (abs) => {
        const rel = posix.relative(VIRTUAL_ROOT, abs);
        if (rel.startsWith('..') || posix.isAbsolute(rel)) throw new Error('outside the repository');
        return source.readSync(revision, rel);
      },
      env,
    });
    if (parsed.errors.length > 0) {
      // Nothing of a manifest with fatal errors is applied, the same as `ring apply`.
      state.broken.add(path);
      for (const e of parsed.errors) state.errors.push(`${path}: ${e}`);
      continue;
    }
    state.files.push({ path, namespaces: parsed.namespaces, configs: parsed.configs });
    for (const d of parsed.deployments) {
      if (d.error) state.broken.add(path);
      const spec = labelled(d.spec, { repo: source.id, path, revision });
      const id = `${spec.namespace}/${spec.name}`;
      const first = seen.get(id);
      if (first !== undefined) {
        // Applying both would replace one with the other on every sync.
        state.broken.add(path);
        state.errors.push(`${path}: deployment '${d.key}' (${id}) is already declared in ${first}; ignored`);
        continue;
      }
      seen.set(id, path);
      state.deployments.push({
        source: path, namespace: spec.namespace, name: spec.name, hash: spec.labels[LABEL_HASH]!,
        deployment: { ...d, spec },
      });
    }
  }
  return state;
}
